"""Invariants under random faults: property-based tests (hypothesis) on the embedded stack.

Hypothesis draws a small day of trading: a few products with little stock, orders of one or
two lines (some above the 200-pound approval threshold), some submitted twice, some of their
OrderPlaced events delivered twice, a reviewer's decision for each order, faults on the Task
states of the order workflows (throttled, a service error, a timeout after the call took
effect; on 1 to 4 attempts, so some outlast their Retry), and the notifier failing its first
deliveries (a message that fails three receives goes to the dead-letter queue). Every
workflow then runs to its end, and four invariants must hold:

1. Every accepted order (answered 200) ends in exactly one terminal status: SHIPPED,
   REJECTED, or FAILED in its one claiming fulfilment execution, which waits for an operator;
   an order that was never accepted has no order row.
2. Stock is conserved: for each product, starting stock = current stock + units held by
   orders not yet shipped (their ``hold_<orderId>`` attributes) + units shipped; every hold
   belongs to an accepted order that is neither shipped nor rejected.
3. No order is charged twice: at most one payment per order.
4. No message is lost: every notification published ends in the outbox (e-mailed) or in the
   notifications dead-letter queue.

Known gaps, each shown by a strict xfail below rather than hidden: an OrderPlaced event or
confirmation whose publishing fails beyond its Retry is dropped (so faults on those two states
stay within their Retry here), and a charge whose every attempt timed out after the processor
took it is not refunded.

``HYPOTHESIS_PROFILE=explore make test-workflows`` draws 200 random days instead of the 25
fixed ones ``make test`` runs (see docs/reliability.md).
"""

import contextlib
import functools
import importlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.approvals import ApprovalExpired, ApprovalQueue, NoPendingApproval
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import run_execution
from devstack.fast_clock import FastClock
from devstack.fault_injection import ALWAYS, Fault, FaultInjector, FaultKind, retries
from tests.workflows.conftest import Observers, drain, sns_message
from tests.workflows.fault_matrix import ROWS, Outcome, Row
from tests.workflows.waiting import POLL_S, has_messages, last_steps, stopped, wait_until

pytestmark = pytest.mark.workflow

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,  # the same 25 days on every run: make test never flakes on a new draw
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    parent=settings.get_profile("ci"),
    max_examples=200,
    derandomize=False,
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PRICES = {"MUG-LAMBDA": 1299, "KEYBOARD-60": 8900, "HEADSET-PRO": 21900}  # the catalogue's
PLACEMENT, FULFILMENT, CHILD = "order_processing", "order_fulfilment", "pick_pack_label"
# Publishing whose failure outlasts the Retry drops the message (the first known gap above).
WITHIN_RETRY = {(PLACEMENT, "PublishConfirmation"), (PLACEMENT, "EmitOrderPlaced")}
TRANSIENT = (FaultKind.THROTTLED, FaultKind.SERVICE_ERROR, FaultKind.TIMEOUT)
FAULTABLE: tuple[Row, ...] = tuple(
    row
    for row in ROWS
    if row.workflow in (PLACEMENT, FULFILMENT, CHILD)
    and row.kind in TRANSIENT
    and row.outcome is not Outcome.NOT_APPLICABLE
)
MAX_FAILED_ATTEMPTS = 4
MAX_FAULTS = 8  # faulted states per day
NOTIFIER_RECEIVES = 3  # the notifications queue's maxReceiveCount (terraform locals.tf)
SHIPPED, REJECTED = "SHIPPED", "REJECTED"


# The day hypothesis draws --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedOrder:
    lines: tuple[tuple[str, int], ...]
    submitted: int  # how many times the client sends it (a repeat is a duplicate)
    delivered: int  # how many times its OrderPlaced reaches fulfilment (at least once)
    approve: bool  # the reviewer's decision, if it needs one


@dataclass(frozen=True)
class PlannedFault:
    row: Row
    times: int

    def describe(self) -> str:
        return f"{self.row.id} x{self.times}"


@dataclass(frozen=True)
class Day:
    stock: dict[str, int]
    orders: tuple[PlannedOrder, ...]
    faults: tuple[PlannedFault, ...]
    notifier_failures: int  # the notifier's first sends that fail


lines = st.lists(
    st.tuples(st.sampled_from(sorted(PRICES)), st.integers(1, 3)),
    min_size=1,
    max_size=2,
    unique_by=lambda line: line[0],
).map(tuple)
planned_orders = st.builds(
    PlannedOrder,
    lines=lines,
    submitted=st.integers(1, 2),
    delivered=st.integers(1, 2),
    approve=st.booleans(),
)


# A timeout after the call took effect is the hard case (a retry repeats done work): it is
# drawn as often as the other two kinds together.
KINDS = (FaultKind.TIMEOUT, FaultKind.TIMEOUT, FaultKind.THROTTLED, FaultKind.SERVICE_ERROR)
FAULTABLE_STATES = sorted({(row.workflow, row.state) for row in FAULTABLE})


@st.composite
def planned_faults(draw: st.DrawFn) -> PlannedFault:
    workflow, state = draw(st.sampled_from(FAULTABLE_STATES))
    rows = {row.kind: row for row in FAULTABLE if (row.workflow, row.state) == (workflow, state)}
    row = rows[draw(st.sampled_from([kind for kind in KINDS if kind in rows]))]
    most = MAX_FAILED_ATTEMPTS
    if (row.workflow, row.state) in WITHIN_RETRY:
        most = retries(row.task, row.error)
    return PlannedFault(row, draw(st.integers(1, most)))


days = st.builds(
    Day,
    stock=st.fixed_dictionaries({product: st.integers(0, 6) for product in PRICES}),
    orders=st.lists(planned_orders, min_size=1, max_size=4).map(tuple),
    faults=st.lists(planned_faults(), max_size=MAX_FAULTS, unique_by=lambda f: f.row.state).map(
        tuple
    ),
    notifier_failures=st.integers(0, NOTIFIER_RECEIVES + 1),
)


# Running the day ---------------------------------------------------------------------------


@dataclass
class Ran:
    order_ids: list[str]
    answers: dict[str, list[int | None]] = field(default_factory=dict)
    fulfilments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    published: list[dict[str, Any]] = field(default_factory=list)

    def accepted(self, order_id: str) -> bool:
        return 200 in self.answers[order_id]


class TradingDay:
    """Runs one drawn day on the stack and reads what it left."""

    def __init__(self, stack: EmbeddedStack, observers: Observers) -> None:
        self.stack, self.observers = stack, observers
        self.sfn = stack.aws.client("stepfunctions")
        self.dynamodb = stack.aws.client("dynamodb")
        self.sqs = stack.aws.client("sqs")
        self.machines = stack.outputs.state_machines

    def prepare(self, day: Day) -> None:
        self.stack.seed()  # puts every product afresh: no holds left from an earlier day
        for product, quantity in day.stock.items():
            self.dynamodb.update_item(
                TableName=self.stack.outputs.tables["inventory"],
                Key={"productId": {"S": product}},
                UpdateExpression="SET quantity = :quantity",
                ExpressionAttributeValues={":quantity": {"N": str(quantity)}},
            )
        self.observers.notifications()
        self.observers.events()
        self.dead_letters()

    def run(self, day: Day, faults: FaultInjector) -> Ran:
        for fault in day.faults:
            row = fault.row
            faults.fail(
                row.state,
                Fault(row.error, after_call=row.fails_after_call),
                times=fault.times,
                workflow=self.machines[row.workflow],
            )
        ran = Ran([f"inv-{uuid.uuid4().hex[:12]}" for _ in day.orders])
        for order_id, planned in zip(ran.order_ids, day.orders, strict=True):
            request = _request(order_id, planned.lines)
            ran.answers[order_id] = [self._place(request) for _ in range(planned.submitted)]
        self._fulfil(day, ran)
        ran.published = self.observers.notifications()
        return ran

    def _place(self, request: dict[str, Any]) -> int | None:
        run = run_execution(self.sfn, self.machines[PLACEMENT], request, poll_seconds=POLL_S)
        return run.output.get("statusCode") if run.output else None

    def _fulfil(self, day: Day, ran: Ran) -> None:
        """Start fulfilment for each OrderPlaced event as the rule would (as many times as it
        is delivered), answer every approval request, and wait for every execution to end."""
        planned = dict(zip(ran.order_ids, day.orders, strict=True))
        started: list[tuple[str, str]] = []
        for event in self.observers.events("OrderPlaced"):  # a retried put sends it twice
            order_id = event["detail"]["orderId"]
            if order_id not in planned:  # an earlier day's, when hypothesis replays one
                continue
            for _ in range(planned[order_id].delivered):
                arn = self.sfn.start_execution(
                    stateMachineArn=self.machines[FULFILMENT],
                    name=f"{order_id}-fulfil-{len(started)}",
                    input=json.dumps(event),
                )["executionArn"]
                started.append((order_id, arn))
        approvals = ApprovalQueue(self.sqs, self.sfn, self.stack.outputs.queues["approvals"])
        for order_id, arn in started:

            def ended(arn: str = arn) -> dict[str, Any] | None:
                if has_messages(self.sqs, approvals.queue_url):  # a reviewer answers them
                    for reviewed, order in planned.items():
                        with contextlib.suppress(NoPendingApproval, ApprovalExpired):
                            approvals.decide(
                                reviewed, order.approve, "grace", reason="drawn by hypothesis"
                            )
                return stopped(self.sfn, arn)

            described = wait_until(functools.partial(last_steps, self.sfn, arn), ended)
            ran.fulfilments.setdefault(order_id, []).append(described)

    # Reading the end state

    def order(self, order_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName=self.stack.outputs.tables["orders"],
            Key={"orderId": {"S": order_id}},
            ConsistentRead=True,
        )
        found: dict[str, Any] | None = item.get("Item")
        return found

    def products(self) -> dict[str, dict[str, Any]]:
        return {item["productId"]["S"]: item for item in self.stack.scan("inventory")}

    def payments(self, order_ids: list[str]) -> Counter[str]:
        return Counter(
            item["orderId"]["S"]
            for item in self.stack.scan("payments")
            if item["orderId"]["S"] in order_ids
            and not item["paymentId"]["S"].startswith("attempts#")
        )

    def emailed(self, order_id: str, status: str) -> bool:
        """Whether the outbox holds the e-mail for this order and status (its key)."""
        item = self.dynamodb.get_item(
            TableName=self.stack.outputs.tables["outbox"],
            Key={"messageId": {"S": f"{order_id}#{status}"}},
            ConsistentRead=True,
        )
        return "Item" in item

    def dead_letters(self) -> list[dict[str, Any]]:
        """Drain the notifications dead-letter queue (its bodies: the SNS notifications)."""
        url = self.stack.outputs.queues["notifications-dlq"]
        return [sns_message(body) for body in drain(self.sqs, url)]


def _request(order_id: str, lines: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "customer": {"customerId": "cust-7", "email": "kim@example.com", "name": "Kim"},
        "items": [
            {"productId": product, "quantity": quantity, "unitPrice": PRICES[product]}
            for product, quantity in lines
        ],
        "payment": {"processor": "stripe", "token": "tok_visa"},
        "currency": "GBP",
    }


@contextlib.contextmanager
def failing_notifier(failures: int) -> Iterator[None]:
    """The notifier's first ``failures`` sends raise, as when its outbox table is down."""
    outbox_class = importlib.import_module("notifier.outbox").Outbox
    send = outbox_class.send
    left = [failures]

    def flaky_send(self: Any, email: Any) -> bool:
        if left[0] > 0:
            left[0] -= 1
            raise ConnectionError("injected: the outbox table did not answer")
        return bool(send(self, email))

    with mock.patch.object(outbox_class, "send", flaky_send):
        yield


# The invariants ------------------------------------------------------------------------------


def _hold_units(product: dict[str, Any]) -> dict[str, int]:
    return {
        name.removeprefix("hold_"): int(value["N"])
        for name, value in product.items()
        if name.startswith("hold_")
    }


def check_invariants(day: Day, ran: Ran, read: TradingDay) -> None:
    orders = {order_id: read.order(order_id) for order_id in ran.order_ids}
    status = {oid: item["status"]["S"] for oid, item in orders.items() if item}

    # 1. Exactly one terminal status per accepted order; no row for one never accepted.
    waiting_for_operator = set()
    for order_id in ran.order_ids:
        item = orders[order_id]
        if not ran.accepted(order_id):
            assert item is None, f"{order_id} was never accepted yet has a row: {item}"
            continue
        assert item is not None, f"{order_id} was accepted but has no row"
        runs = ran.fulfilments.get(order_id, [])
        claimer = item.get("fulfilmentExecution", {}).get("S")
        claimed = [run for run in runs if run["executionArn"] == claimer]
        assert len(claimed) <= 1 and (claimer is None or claimed), f"{order_id}: {claimer}"
        if status[order_id] in (SHIPPED, REJECTED) and claimed[0]["status"] == "SUCCEEDED":
            continue
        failed = [run for run in runs if run["status"] == "FAILED"]
        assert failed, (
            f"{order_id} ended {status[order_id]} with no fulfilment failed for an operator: "
            f"{[run['status'] for run in runs]}"
        )
        waiting_for_operator.add(order_id)

    # 2. Stock: start = current + held by orders not shipped + shipped (a shipped order whose
    # fulfilment failed before dropping its holds is counted once, by its holds).
    products = read.products()
    for product in day.stock:
        holds = _hold_units(products[product])
        for order_id in holds:
            assert ran.accepted(order_id), f"{product} is held by {order_id}, never accepted"
            assert (
                status[order_id] not in (SHIPPED, REJECTED) or order_id in waiting_for_operator
            ), f"{product} is still held by {order_id}, which is {status[order_id]}"
        shipped = sum(
            dict(planned.lines).get(product, 0)
            for order_id, planned in zip(ran.order_ids, day.orders, strict=True)
            if status.get(order_id) == SHIPPED and order_id not in holds
        )
        current = int(products[product]["quantity"]["N"])
        assert day.stock[product] == current + sum(holds.values()) + shipped, (
            f"{product}: started with {day.stock[product]}, now {current} in stock, "
            f"{sum(holds.values())} held, {shipped} shipped"
        )

    # 3. No order charged twice.
    charged_twice = {oid: n for oid, n in read.payments(ran.order_ids).items() if n > 1}
    assert not charged_twice, f"orders charged more than once: {charged_twice}"

    # 4. Every notification published is e-mailed or dead-lettered.
    dead = {(n["orderId"], n["status"]) for n in read.dead_letters()}
    for notification in ran.published:
        key = (notification["orderId"], notification["status"])
        assert key in dead or read.emailed(*key), f"lost: {notification}"


@settings(PROFILE)
@given(day=days)
def test_invariants_hold_under_random_faults_and_duplicates(
    day: Day,
    session_stack: tuple[EmbeddedStack, Observers],
    fast_clock: FastClock,
) -> None:
    stack, observers = session_stack
    read = TradingDay(stack, observers)
    read.prepare(day)
    with FaultInjector() as faults, failing_notifier(day.notifier_failures):
        ran = read.run(day, faults)
    check_invariants(day, ran, read)


# Known gaps: what the invariants above leave out, shown rather than hidden -----------------


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Notify's Catch records the error and answers 200: the order is saved and charged, "
        "but OrderPlaced never reaches the bus, so it is never fulfilled and nothing fails "
        "for an operator. Fix: publish OrderPlaced from the orders table's stream (it is "
        "retried and dead-lettered), or fail the execution after RecordResult"
    ),
)
def test_an_order_placed_event_that_outlasts_its_retries_still_reaches_fulfilment(
    stack: EmbeddedStack,
    faults: FaultInjector,
    observers: Observers,
    make_order: Any,
    order_id: str,
) -> None:
    faults.fail("EmitOrderPlaced", Fault("EventBridge.InternalException"), times=ALWAYS)

    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert run.output is not None and run.output["statusCode"] == 200
    placed = [e for e in observers.events("OrderPlaced") if e["detail"]["orderId"] == order_id]
    assert placed or run.status == "FAILED", "a placed order nobody will fulfil, unflagged"


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the charge went through on every attempt and each answer came after TimeoutSeconds: "
        "PreparePaymentFailure answers 500 and releases the stock, but nothing refunds the "
        "charge. Fix: route payment failures through RefundPayment (PaymentNotFound when "
        "nothing was charged)"
    ),
)
def test_a_charge_whose_every_attempt_timed_out_is_not_kept(
    stack: EmbeddedStack, faults: FaultInjector, make_order: Any, order_id: str
) -> None:
    faults.fail("ChargeStripe", Fault("States.Timeout", after_call=True), times=ALWAYS)

    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert run.output is not None and run.output["statusCode"] == 500
    kept = [
        item
        for item in stack.scan("payments")
        if item["orderId"]["S"] == order_id and item["status"]["S"] == "CAPTURED"
    ]
    assert not kept, "charged, answered 500 and not refunded"
