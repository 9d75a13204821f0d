"""What one order and one import use, measured by running them on the embedded emulator.

``make cost`` scales these measurements to a traffic profile. Each unit of work runs through
the real ASL files and handlers on moto (:mod:`devstack.embedded`), with its retry and wait
intervals shortened (:mod:`devstack.fast_clock`) and its AWS requests counted
(:mod:`devstack.metering`):

- an order of £200 or less: placed (Express), then fulfilled (Standard) with its pick, pack
  and label child (Express), and everything the events and queues start on the way;
- an order above £200: the same, plus risk screening and a reviewer approving it;
- imports of two sizes, so the cost of a chunk of rows and of the import around it separate.

Durations are measured too: the order workflow's Express executions (fulfilment left out),
and the order path's handlers on their sample events in ``sam/events/``, each the median of
several warm runs.
"""

import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3

from devstack.approvals import ApprovalQueue
from devstack.asl_history import count_lambda_invocations, count_transitions
from devstack.demo import QUIET_FUNCTIONS
from devstack.embedded import EmbeddedAws
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import read_history
from devstack.fast_clock import fast_interpreter_clock
from devstack.imports import find_execution, upload, wait_until_done
from devstack.metering import Meter, Usage, item_bytes
from devstack.paths import REPO_ROOT
from devstack.provision import provision
from devstack.seed import load_catalogue
from devstack.stack import (
    EVENT_BUS,
    FUNCTIONS,
    Naming,
    function_environment,
    function_named,
)

EVENTS_DIR = REPO_ROOT / "sam" / "events"
# The order path's Lambdas and the sample event each is timed on.
ORDER_PATH_EVENTS = {
    "validate_order": "stepfunctions_validate_order_valid.json",
    "process_payment": "stepfunctions_process_payment_captured.json",
}
LOW_VALUE_LINES = (("MUG-LAMBDA", 2),)  # £25.98
HIGH_VALUE_LINES = (("HEADSET-PRO", 1),)  # £219.00: above the approval threshold
FULFILMENT_RULE = "fulfil-placed-orders"
HARNESS_SERVICES = ("stepfunctions", "dynamodb", "sqs", "sns", "s3", "events", "lambda", "sts")
WAIT_S = 60.0

T = TypeVar("T")


@dataclass(frozen=True)
class Execution:
    machine: str  # the state machine's key in devstack.stack
    transitions: int
    lambda_tasks: int
    duration_ms: float
    history_bytes: int  # the execution's events as JSON: what logging level ALL would write


@dataclass
class Run:
    """One unit of work and what it used."""

    name: str
    executions: list[Execution]
    invocations: Counter[str]  # by function key
    usage: Usage

    def transitions(self, machine: str) -> int:
        return sum(e.transitions for e in self.executions if e.machine == machine)

    def execution_count(self, machine: str) -> int:
        return sum(1 for e in self.executions if e.machine == machine)


@dataclass
class Measurement:
    low_value_order: Run
    high_value_order: Run
    imports: dict[int, Run]  # by rows in the file
    handler_ms: dict[str, float]  # order path, median on its sample event
    invocation_ms: dict[str, float]  # every function, median over the runs above
    express_ms: dict[str, float]  # median per Express state machine
    largest_item_bytes: dict[str, int]  # by physical table name
    samples: int
    seconds: float = field(default=0.0)


def _until(probe: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.005)
    raise TimeoutError(f"{what}: nothing after {WAIT_S:.0f} s")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


class _Runner:
    def __init__(self, stack: EmbeddedStack, meter: Meter) -> None:
        self.stack = stack
        self.meter = meter
        self.sfn = stack.aws.client("stepfunctions")
        self.prices = {p["productId"]: p["unitPrice"] for p in load_catalogue()["products"]}
        approvals = stack.outputs.queues["approvals"]
        self.harness_queue = ApprovalQueue(stack.aws.client("sqs"), self.sfn, approvals)
        # The reviewer's and the uploader's own requests are part of the bill: counted.
        region = stack.aws.region
        self.reviewer_queue = ApprovalQueue(
            boto3.client("sqs", region_name=region),
            boto3.client("stepfunctions", region_name=region),
            approvals,
        )
        self.uploader_s3 = boto3.client("s3", region_name=region)
        self.function_keys = {Naming().name(f.key): f.key for f in FUNCTIONS}
        self.invocation_ms: dict[str, list[float]] = {}

    def _begin(self) -> None:
        self.stack.seed()
        self.meter.reset()
        self.stack.aws.runtime.invocations.clear()

    def _invocations(self) -> Counter[str]:
        counted: Counter[str] = Counter()
        for invocation in self.stack.aws.runtime.invocations:
            key = self.function_keys[invocation.function_name]
            counted[key] += 1
            self.invocation_ms.setdefault(key, []).append(invocation.duration_ms)
        return counted

    def _execution(self, machine: str, arn: str) -> Execution:
        described = self.sfn.describe_execution(executionArn=arn)
        history = read_history(self.sfn, arn)
        stopped = described.get("stopDate") or described["startDate"]
        return Execution(
            machine,
            count_transitions(history),
            count_lambda_invocations(history),
            (stopped - described["startDate"]).total_seconds() * 1000,
            len(json.dumps(history, default=str).encode()),
        )

    def _order_request(self, lines: tuple[tuple[str, int], ...]) -> dict[str, Any]:
        return {
            "orderId": f"cost-{uuid.uuid4().hex[:12]}",
            "customer": {"customerId": "cust-cost", "email": "ada@example.com", "name": "Ada"},
            "items": [
                {"productId": p, "quantity": q, "unitPrice": self.prices[p]} for p, q in lines
            ],
            "payment": {"processor": "stripe", "token": "tok_visa"},
            "currency": "GBP",
        }

    def _finished_fulfilment(self, order_id: str) -> str | None:
        item = self.stack.aws.client("dynamodb").get_item(
            TableName=self.stack.outputs.tables["orders"],
            Key={"orderId": {"S": order_id}},
            ConsistentRead=True,
        )["Item"]
        arn = item.get("fulfilmentExecution", {}).get("S")
        if arn and self.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
            return str(arn)
        return None

    def _child(self, order_id: str) -> str:
        machine = self.stack.outputs.state_machines["pick_pack_label"]
        pages = self.sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        for page in pages:
            for summary in page["executions"]:
                described = self.sfn.describe_execution(executionArn=summary["executionArn"])
                if json.loads(described["input"]).get("orderId") == order_id:
                    return str(summary["executionArn"])
        raise LookupError(f"no pick_pack_label execution for {order_id}")

    def order(self, name: str, lines: tuple[tuple[str, int], ...], approve: bool) -> Run:
        """Place an order and follow it until its fulfilment has ended."""
        self._begin()
        request = self._order_request(lines)
        order_id = request["orderId"]
        placed = self.stack.place_order(request)
        if not placed.output or placed.output["statusCode"] != 200:
            raise RuntimeError(f"{name}: the order was not placed: {placed.output}")
        if approve:
            _until(
                lambda: next(
                    (r for r in self.harness_queue.pending() if r.order_id == order_id), None
                ),
                f"{name}: approval request",
            )
            self.reviewer_queue.decide(order_id, approve=True, reviewer="make-cost")
        fulfilment = _until(lambda: self._finished_fulfilment(order_id), f"{name}: fulfilment")
        executions = [
            self._execution("order_processing", placed.execution_arn),
            self._execution("order_fulfilment", fulfilment),
            self._execution("pick_pack_label", self._child(order_id)),
        ]
        return Run(name, executions, self._invocations(), self.meter.snapshot())

    def import_file(self, rows: int) -> Run:
        """Import a file of ``rows`` lines, each a different product."""
        self._begin()
        body = "productId,quantity\n" + "".join(f"COST-{i:07d},{1 + i % 9}\n" for i in range(rows))
        bucket = self.stack.outputs.buckets["imports"]
        uploaded = upload(self.uploader_s3, bucket, f"cost-{rows}.csv", body.encode())
        machine = self.stack.outputs.state_machines["inventory_import"]
        started = find_execution(self.sfn, machine, uploaded, timeout_s=WAIT_S)
        done = wait_until_done(self.sfn, started["executionArn"], WAIT_S)
        if done["status"] != "SUCCEEDED":
            raise RuntimeError(f"the import of {rows} rows ended {done['status']}")
        executions = [self._execution("inventory_import", started["executionArn"])]
        return Run(
            f"import of {rows:,} rows", executions, self._invocations(), self.meter.snapshot()
        )

    def express_durations(self, samples: int) -> list[float]:
        """The order workflow alone (fulfilment's rule off), ``samples`` times."""
        self.stack.set_rule_enabled(FULFILMENT_RULE, False)
        durations = []
        for _ in range(samples):
            self._begin()
            placed = self.stack.place_order(self._order_request(LOW_VALUE_LINES))
            durations.append(placed.duration_ms)
            self._invocations()
        return durations

    def handler_durations(self, samples: int) -> dict[str, float]:
        """Each order-path handler on its sample event: the median of ``samples`` warm runs."""
        aws, medians = self.stack.aws, {}
        for key, event_file in ORDER_PATH_EVENTS.items():
            function = function_named(key)
            event = json.loads((EVENTS_DIR / event_file).read_text(encoding="utf-8"))
            environment = function_environment(function, Naming(), self.stack.outputs.account)
            durations = []
            for run in range(samples + 1):  # the first run warms up and is left out
                self.stack.seed()
                event["orderId"] = f"evt-cost-{uuid.uuid4().hex[:8]}"  # no idempotent replay
                started = time.perf_counter()
                _, errored, _ = aws.runtime.invoke(
                    handler=function.handler,
                    function_name=Naming().name(key),
                    function_arn=self.stack.outputs.functions[key],
                    environment=environment,
                    memory_mb=function.memory_mb,
                    timeout_s=function.timeout_s,
                    region=aws.region,
                    event=event,
                )
                if errored:
                    raise RuntimeError(f"{key} failed on {event_file}")
                if run:
                    durations.append((time.perf_counter() - started) * 1000)
            medians[key] = _median(durations)
        aws.runtime.invocations.clear()
        return medians

    def largest_items(self) -> dict[str, int]:
        return {
            name: max((item_bytes(item) for item in self.stack.scan(key)), default=0)
            for key, name in self.stack.outputs.tables.items()
        }


def _rule_enabled(stack: EmbeddedStack, rule: str) -> bool:
    described = stack.aws.client("events").describe_rule(
        Name=Naming().name(rule), EventBusName=stack.outputs.buses[EVENT_BUS]
    )
    return bool(described.get("State") == "ENABLED")


def measure_on(
    stack: EmbeddedStack,
    samples: int = 15,
    import_rows: tuple[int, ...] = (1000, 2000),
    progress: Callable[[str], None] = lambda _: None,
) -> Measurement:
    """Measure on a provisioned, seeded embedded stack; see the module docstring.

    Fulfilment's rule is enabled while measuring and left as it was found.
    """
    started = time.perf_counter()
    fulfilment_was_enabled = _rule_enabled(stack, FULFILMENT_RULE)
    meter = Meter()
    for service in HARNESS_SERVICES:
        meter.exclude(stack.aws.client(service))
    stack.set_rule_enabled(FULFILMENT_RULE, True)
    try:
        with meter.installed(), fast_interpreter_clock():
            runner = _Runner(stack, meter)
            runner.order("warm-up", LOW_VALUE_LINES, approve=False)  # cold starts: not counted
            runner.invocation_ms.clear()
            progress("  measuring an order of £200 or less, placed and fulfilled")
            low = runner.order("order of £200 or less", LOW_VALUE_LINES, approve=False)
            progress("  measuring an order above £200, screened, approved and fulfilled")
            high = runner.order("order above £200", HIGH_VALUE_LINES, approve=True)
            if import_rows:
                sizes = " and ".join(f"{rows:,}" for rows in import_rows)
                progress(f"  measuring imports of {sizes} rows")
            imports = {rows: runner.import_file(rows) for rows in import_rows}
            progress(f"  timing the order workflow and its handlers ({samples} runs each)")
            express = runner.express_durations(samples)
            handlers = runner.handler_durations(samples)
            largest = runner.largest_items()
    finally:
        stack.set_rule_enabled(FULFILMENT_RULE, fulfilment_was_enabled)
    children = [
        e.duration_ms
        for run in (low, high)
        for e in run.executions
        if e.machine == "pick_pack_label"
    ]
    return Measurement(
        low_value_order=low,
        high_value_order=high,
        imports=imports,
        handler_ms=handlers,
        invocation_ms={k: _median(v) for k, v in runner.invocation_ms.items()},
        express_ms={"order_processing": _median(express), "pick_pack_label": _median(children)},
        largest_item_bytes=largest,
        samples=samples,
        seconds=time.perf_counter() - started,
    )


def measure(
    samples: int = 15,
    import_rows: tuple[int, ...] = (1000, 2000),
    progress: Callable[[str], None] = lambda _: None,
) -> Measurement:
    """Provision the whole stack on a fresh embedded emulator, seed it, and measure."""
    with EmbeddedAws(lambda_overrides=QUIET_FUNCTIONS) as aws:
        stack = EmbeddedStack(aws, provision(aws.client, aws.region))
        stack.seed()
        return measure_on(stack, samples, import_rows, progress)
