"""The fault-injection matrix (fault_matrix.py), run on the embedded stack.

Each row makes one Task state fail (``devstack.fault_injection``, the ``faults`` fixture) in
the run its scenario describes, then checks the outcome the row expects and the end state
that proves it: the answer, stock, the charge, the order, what the customer was told.

Runs are shared where that changes nothing: the RETRIED_THEN_SUCCEEDED rows of one scenario
and kind fault their states in the same run (each state has its own Retry counter, and the
run must still end as the scenario does), so the matrix needs little more than half as many
runs as rows. Every other row has a run of its own. Each row asserts its own state's
failures either way.

Rows with a ``gap`` are strict xfails: they pass once the ASL is fixed, and then fail until
the ``gap`` is removed.
"""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.approvals import ApprovalExpired, ApprovalQueue, NoPendingApproval
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import ExecutionResult, run_execution
from devstack.fault_injection import (
    ALWAYS,
    Attempt,
    Fault,
    FaultInjector,
    FaultKind,
    function_error,
    integration,
    retries,
)
from devstack.imports import upload
from tests.workflows.conftest import Observers, drain, sns_message
from tests.workflows.fault_matrix import (
    NO_ORDER,
    REACHED_BY,
    ROWS,
    WORKFLOWS,
    Charge,
    Claim,
    Expect,
    Outcome,
    Row,
    Scenario,
    Stock,
    workflow_task_states,
)
from tests.workflows.waiting import POLL_S, has_messages, last_steps, stopped, wait_until

pytestmark = pytest.mark.workflow

TWO_LINES = (("MUG-LAMBDA", 2), ("STICKERS-10", 1))
LOW_VALUE = (("MUG-LAMBDA", 2),)
HIGH_VALUE = (("HEADSET-PRO", 1),)  # above the 200-pound approval threshold
IMPORTED_FILE = (("MUG-LAMBDA", 10), ("STICKERS-10", 5))


# The matrix as data ---------------------------------------------------------------------


def test_the_matrix_covers_every_task_state_under_every_kind_of_fault() -> None:
    wanted = {(wf, state) for wf in WORKFLOWS for state in workflow_task_states(wf)}
    rows = [(row.workflow, row.state, row.kind) for row in ROWS]
    missing = sorted(
        f"{wf}:{state} ({kind})"
        for wf, state in wanted
        for kind in FaultKind
        if (wf, state, kind) not in rows
    )
    assert not missing, f"Task states without a row in fault_matrix.py: {missing}"
    unknown = sorted(f"{wf}:{state}" for wf, state, _ in rows if (wf, state) not in wanted)
    assert not unknown, f"rows for states that are not Task states in the ASL: {unknown}"
    assert len(rows) == len(set(rows)) == 4 * len(wanted), "one row per state and kind"
    assert set(REACHED_BY) == wanted, "every Task state has the scenario that reaches it"


def _justified_without_business_error(task: dict[str, Any]) -> bool:
    """Publishing, reading and unconditional writes cannot fail on a business rule."""
    service = integration(task)
    return service in ("sns", "events") or (
        service == "dynamodb" and "ConditionExpression" not in task.get("Parameters", {})
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_each_row_agrees_with_its_state_in_the_asl(row: Row) -> None:
    times_out = any(key in row.task for key in ("TimeoutSeconds", "TimeoutSecondsPath"))
    if row.outcome is Outcome.NOT_APPLICABLE:
        assert row.reason, "a row that does not apply says why"
        if row.kind is FaultKind.TIMEOUT:
            assert not times_out, "the state has a TimeoutSeconds: it can time out"
        else:
            assert row.kind is FaultKind.BUSINESS_ERROR, "every state can be throttled or fail"
            assert _justified_without_business_error(dict(row.task)), row.reason
        return
    if row.kind is FaultKind.TIMEOUT:
        assert times_out, "no TimeoutSeconds, so no timeout: make the row NOT_APPLICABLE"
    if row.outcome is Outcome.RETRIED_THEN_SUCCEEDED:
        assert row.failed_attempts, f"{row.error} is not retried by {row.state}'s Retry"
        assert row.failed_attempts <= retries(row.task, row.error)
    else:
        assert row.failed_attempts != 0


# Running a row ---------------------------------------------------------------------------


@dataclass
class Ended:
    """How a scenario's run ended, and what it changed."""

    status: str
    error: str | None
    answer: int | None = None
    order_id: str = ""
    stock_before: dict[str, int] = field(default_factory=dict)
    stock_delta: dict[str, int] = field(default_factory=dict)  # the scenario's own units
    published: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Driver:
    stack: EmbeddedStack
    observers: Observers
    faults: FaultInjector
    order_id: str
    imports_results_url: str
    make_order: Any
    fulfilled: bool = False

    @property
    def sfn(self) -> Any:
        return self.stack.aws.client("stepfunctions")

    def run(self, scenario: Scenario) -> Ended:
        if scenario in (Scenario.IMPORTED, Scenario.FILE_REJECTED, Scenario.LOAD_FAILED):
            return self._import(scenario)
        if scenario in (Scenario.SHIPPED_DIRECTLY, Scenario.APPROVED, Scenario.REJECTED):
            return self._fulfil(scenario)
        return self._place(scenario)

    # Order placement

    def _place(self, scenario: Scenario) -> Ended:
        processor = {
            Scenario.PAID_WITH_PAYPAL: "paypal",
            Scenario.PAID_WITH_APPLEPAY: "applepay",
        }.get(scenario, "stripe")
        order = self.make_order(*TWO_LINES, processor=processor)
        if scenario is Scenario.OUT_OF_STOCK:
            self.stack.aws.client("dynamodb").update_item(
                TableName=self.stack.outputs.tables["inventory"],
                Key={"productId": {"S": TWO_LINES[-1][0]}},
                UpdateExpression="SET quantity = :none",
                ExpressionAttributeValues={":none": {"N": "0"}},
            )
        if scenario is Scenario.UNSAVEABLE:
            self.stack.aws.client("dynamodb").put_item(
                TableName=self.stack.outputs.tables["orders"],
                Item={"orderId": {"S": self.order_id}, "status": {"S": "IMPORTED"}},
            )
        before = self.stack.stock_levels()
        run = self._place_order(order)
        if scenario is Scenario.REPEATED:
            assert run.output is not None and run.output["statusCode"] == 200
            run = self._place_order(order)
        return self._ended(run, before, TWO_LINES)

    def _place_order(self, order: dict[str, Any]) -> ExecutionResult:
        machine = self.stack.outputs.state_machines["order_processing"]
        return run_execution(self.sfn, machine, order, poll_seconds=POLL_S)

    def _ended(
        self, run: ExecutionResult, before: dict[str, int], lines: tuple[tuple[str, int], ...]
    ) -> Ended:
        answer = run.output.get("statusCode") if run.output else None
        return Ended(
            run.status,
            run.error,
            answer,
            self.order_id,
            before,
            {product: -units for product, units in lines},
        )

    # Fulfilment

    def _fulfil(self, scenario: Scenario) -> Ended:
        self.fulfilled = True
        lines = LOW_VALUE if scenario is Scenario.SHIPPED_DIRECTLY else HIGH_VALUE
        before = self.stack.stock_levels()
        placed = self._place_order(self.make_order(*lines))
        assert placed.output is not None and placed.output["statusCode"] == 200, placed.output
        [event] = [
            e
            for e in self.observers.events("OrderPlaced")
            if e["detail"]["orderId"] == self.order_id
        ]
        # What the fulfil-placed-orders rule would start: the event itself is the input.
        started = self.sfn.start_execution(
            stateMachineArn=self.stack.outputs.state_machines["order_fulfilment"],
            name=f"{self.order_id}-fulfil",
            input=json.dumps(event),
        )
        approvals = ApprovalQueue(
            self.stack.aws.client("sqs"), self.sfn, self.stack.outputs.queues["approvals"]
        )
        reviewing = scenario is not Scenario.SHIPPED_DIRECTLY

        def ended() -> dict[str, Any] | None:
            described: dict[str, Any] = self.sfn.describe_execution(
                executionArn=started["executionArn"]
            )
            if described["status"] != "RUNNING":
                return described
            # a reviewer answers any request
            if reviewing and has_messages(self.stack.aws.client("sqs"), approvals.queue_url):
                with contextlib.suppress(NoPendingApproval, ApprovalExpired):
                    approvals.decide(
                        self.order_id,
                        approve=scenario is Scenario.APPROVED,
                        reviewer="grace",
                        reason="card mismatch",
                    )
            return None

        described = wait_until(lambda: last_steps(self.sfn, started["executionArn"]), ended)
        return Ended(
            described["status"],
            described.get("error"),
            order_id=self.order_id,
            stock_before=before,
            stock_delta={product: -units for product, units in lines},
        )

    # Inventory import

    def _import(self, scenario: Scenario) -> Ended:
        if scenario is Scenario.LOAD_FAILED:
            self.faults.fail(
                "LoadChunk",
                function_error("ValidationError", "chunk: injected to fail the load"),
                times=ALWAYS,
                workflow=self.stack.outputs.state_machines["inventory_import"],
            )
        rows = (
            (*IMPORTED_FILE, ("bad id!", 3))
            if scenario is Scenario.FILE_REJECTED
            else IMPORTED_FILE
        )
        text = "productId,quantity\n" + "".join(f"{p},{q}\n" for p, q in rows)
        before = self.stack.stock_levels()
        s3 = self.stack.aws.client("s3")
        uploaded = upload(
            s3, self.stack.outputs.buckets["imports"], f"{self.order_id}.csv", text.encode()
        )
        machine = self.stack.outputs.state_machines["inventory_import"]

        def started() -> str | None:
            listed = self.sfn.list_executions(stateMachineArn=machine, maxResults=20)
            for summary in listed["executions"]:
                arn = str(summary["executionArn"])
                if uploaded.started(self.sfn.describe_execution(executionArn=arn)):
                    return arn
            return None

        arn = wait_until(lambda: f"no import started for {uploaded.key}", started)
        described = wait_until(lambda: last_steps(self.sfn, arn), lambda: stopped(self.sfn, arn))
        return Ended(
            described["status"],
            described.get("error"),
            order_id=self.order_id,
            stock_before=before,
            stock_delta=dict(IMPORTED_FILE),
            published=[
                m
                for m in _drain_sns(self.stack, self.imports_results_url)
                if m.get("source") == uploaded.key
            ],
        )


def _drain_sns(stack: EmbeddedStack, url: str) -> list[dict[str, Any]]:
    return [sns_message(body) for body in drain(stack.aws.client("sqs"), url)]


# Checking the end state --------------------------------------------------------------------


def _item(stack: EmbeddedStack, table: str, key: str, value: str) -> dict[str, Any] | None:
    item = stack.aws.client("dynamodb").get_item(
        TableName=stack.outputs.tables[table], Key={key: {"S": value}}, ConsistentRead=True
    )
    return item.get("Item")


def _matching(stack: EmbeddedStack, table: str, condition: str, value: str) -> list[dict[str, Any]]:
    """The table's items that meet ``condition`` on ``:value`` (a filtered scan: the tables
    grow with every test of the session, and reading them whole is slow)."""
    pages = (
        stack.aws.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=stack.outputs.tables[table],
            FilterExpression=condition,
            ExpressionAttributeValues={":value": {"S": value}},
        )
    )
    return [item for page in pages for item in page["Items"]]


CHARGE_ROWS = {Charge.NONE: [], Charge.CAPTURED: ["CAPTURED"], Charge.REFUNDED: ["REFUNDED"]}
CLAIM_STATUS = {Claim.ABSENT: None, Claim.COMPLETED: "COMPLETED", Claim.HELD: "IN_PROGRESS"}


def check(expect: Expect, ended: Ended, stack: EmbeddedStack, observers: Observers) -> None:
    order_id = ended.order_id
    assert (ended.status, ended.error) == (expect.execution, expect.error)
    if expect.answer is not None:
        assert ended.answer == expect.answer
    if expect.stock is not None:
        after = stack.stock_levels()
        delta = {} if expect.stock is Stock.UNCHANGED else ended.stock_delta
        wanted = {p: ended.stock_before.get(p, 0) + delta.get(p, 0) for p in after}
        assert after == wanted, f"stock should be {expect.stock}"
    if expect.charge is not None:
        charges = [
            row["status"]["S"]
            for row in _matching(stack, "payments", "orderId = :value", order_id)
            if not row["paymentId"]["S"].startswith("attempts#")
        ]
        assert charges == CHARGE_ROWS[expect.charge]
    if expect.order is not None or expect.rejection is not None:
        order = _item(stack, "orders", "orderId", order_id)
        if expect.order is not None:
            assert (order["status"]["S"] if order else NO_ORDER) == expect.order
        if expect.rejection is not None:
            assert order is not None and order["rejectionReason"]["S"] == expect.rejection
    if expect.claim is not None:
        claim = _item(stack, "idempotency", "id", f"order#{order_id}")
        assert (claim["status"]["S"] if claim else None) == CLAIM_STATUS[expect.claim]
    if expect.told is not None:
        told = {
            row["messageId"]["S"].removeprefix(f"{order_id}#")
            for row in _matching(stack, "outbox", "begins_with(messageId, :value)", f"{order_id}#")
        }
        assert told == expect.told
    if expect.order_placed is not None:
        placed = [e for e in observers.events("OrderPlaced") if e["detail"]["orderId"] == order_id]
        assert bool(placed) == expect.order_placed
    if expect.notified is not None:
        assert {m["outcome"] for m in ended.published} == {expect.notified}


# The matrix, run --------------------------------------------------------------------------


def _fault(row: Row) -> Fault:
    if row.kind is FaultKind.BUSINESS_ERROR and integration(row.task) == "lambda":
        return function_error(row.error, f"{row.error.lower()}: injected", row.fails_after_call)
    return Fault(row.error, after_call=row.fails_after_call)


def _run_key(row: Row) -> tuple[str, ...]:
    """Rows that share one run: every RETRIED_THEN_SUCCEEDED row of a scenario and kind (each
    state has its own Retry counter, and the run must end as the scenario does without
    faults). Any other row changes the run's path, so it has a run of its own."""
    shareable = row.outcome is Outcome.RETRIED_THEN_SUCCEEDED and not row.gap
    if shareable and (row.workflow, row.state) in REACHED_BY:
        return (row.scenario.name, row.kind.name)
    return (row.id,)


RUNNABLE = [row for row in ROWS if row.outcome is not Outcome.NOT_APPLICABLE]
SHARED_RUNS: dict[tuple[str, ...], list[Row]] = {}
for _row in RUNNABLE:
    SHARED_RUNS.setdefault(_run_key(_row), []).append(_row)


@dataclass
class Executed:
    """A run with its rows' faults: each state's attempts, and what was wrong with the end
    state (None: it is what the rows expect)."""

    attempts: dict[tuple[str, str], list[Attempt]]
    problem: str | None


def _execute(rows: list[Row], driver: Driver) -> Executed:
    [scenario] = {row.scenario for row in rows}
    [expect] = {row.expect for row in rows}
    machines = driver.stack.outputs.state_machines
    for row in rows:
        faults = row.failed_attempts
        driver.faults.fail(row.state, _fault(row), times=faults, workflow=machines[row.workflow])
    ended = driver.run(scenario)
    attempts = {
        (row.workflow, row.state): driver.faults.attempts(row.state, machines[row.workflow])
        for row in rows
    }
    try:
        check(expect, ended, driver.stack, driver.observers)
    except AssertionError as wrong:
        faulted = ", ".join(f"{row.state} ({row.kind})" for row in rows)
        return Executed(attempts, f"{scenario.name} with {faulted} ended wrong: {wrong}")
    return Executed(attempts, None)


@pytest.fixture(scope="module")
def executed() -> dict[tuple[str, ...], Executed]:
    """The runs made so far in this module, by run key: a run is made by the first of its
    rows to be tested, inside that test's fixtures, and checked there."""
    return {}


def _case(row: Row) -> Any:
    marks = (
        [pytest.mark.xfail(strict=True, raises=AssertionError, reason=row.gap)] if row.gap else []
    )
    return pytest.param(row, id=row.id, marks=marks)


@pytest.fixture(scope="module")
def imports_results_url(session_stack: tuple[EmbeddedStack, Observers]) -> str:
    stack = session_stack[0]
    sqs = stack.aws.client("sqs")
    url = sqs.create_queue(QueueName="observe-inventory-imports-faults")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    stack.aws.client("sns").subscribe(
        TopicArn=stack.outputs.topics["inventory-imports"],
        Protocol="sqs",
        Endpoint=attributes["Attributes"]["QueueArn"],
    )
    return str(url)


@pytest.fixture
def driver(
    stack: EmbeddedStack,
    observers: Observers,
    faults: FaultInjector,
    order_id: str,
    imports_results_url: str,
    make_order: Any,
) -> Iterator[Driver]:
    drain(stack.aws.client("sqs"), imports_results_url)
    driver = Driver(stack, observers, faults, order_id, imports_results_url, make_order)
    yield driver
    if driver.fulfilled:  # leave no fulfilment running and no request on the approvals queue
        stack.stop_running_executions("order_fulfilment")
        drain(stack.aws.client("sqs"), stack.outputs.queues["approvals"])


@pytest.mark.parametrize("row", [_case(row) for row in RUNNABLE])
def test_fault(
    row: Row, executed: dict[tuple[str, ...], Executed], request: pytest.FixtureRequest
) -> None:
    key = _run_key(row)
    if key not in executed:  # the stack is set up (seeded, drained) only for a new run
        executed[key] = _execute(SHARED_RUNS[key], request.getfixturevalue("driver"))
    run = executed[key]

    assert run.problem is None, run.problem
    attempts = run.attempts[(row.workflow, row.state)]
    failed = [attempt for attempt in attempts if attempt.fault is not None]
    if row.failed_attempts is ALWAYS:
        assert failed, f"the run never reached {row.state}"
    else:
        assert len(failed) == row.failed_attempts, f"each planned failure reached {row.state}"
    if row.outcome is Outcome.RETRIED_THEN_SUCCEEDED:
        assert attempts[-1].fault is None, "an attempt after the failures succeeded"
