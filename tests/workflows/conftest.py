"""Workflow tests: the real ASL files and handlers, on the embedded emulator (moto, in-process).

One stack is provisioned per test session (provisioning takes a couple of seconds); each test
gets its stock re-seeded, its observer queues drained and unique orderIds, so tests do not
see each other's effects. Retry waits are shortened by the single ``fast_clock`` fixture;
the ASL keeps its production intervals.
"""

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack, embedded_stack
from devstack.fast_clock import FastClock, fast_interpreter_clock
from devstack.fault_injection import FaultInjector
from devstack.seed import load_catalogue

pytestmark = pytest.mark.workflow


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Receive and delete every message on a queue; their bodies, parsed (PurgeQueue is
    allowed once a minute, so messages are deleted one by one)."""
    bodies: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def sns_message(body: dict[str, Any]) -> dict[str, Any]:
    """The published message in an SQS body from an SNS subscription (raw delivery or not)."""
    message: dict[str, Any] = json.loads(body["Message"]) if "Message" in body else body
    return message


@dataclass
class Observers:
    """SQS queues that receive what the workflow publishes (SNS topic, EventBridge bus)."""

    sqs: Any
    notifications_url: str
    events_url: str

    def notifications(self) -> list[dict[str, Any]]:
        """SNS messages published to the order notifications topic (raw delivery)."""
        return [sns_message(body) for body in drain(self.sqs, self.notifications_url)]

    def events(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """EventBridge events put on the orders bus (of one detail-type, if given)."""
        drained = drain(self.sqs, self.events_url)
        return [e for e in drained if detail_type in (None, e["detail-type"])]


def _attach_observers(stack: EmbeddedStack) -> Observers:
    sqs, sns, events = (stack.aws.client(s) for s in ("sqs", "sns", "events"))
    urls = {}
    for name in ("observe-notifications", "observe-events"):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        urls[name] = (url, arn)
    sns.subscribe(
        TopicArn=stack.outputs.topics["order-notifications"],
        Protocol="sqs",
        Endpoint=urls["observe-notifications"][1],
    )
    bus = stack.outputs.buses["orders"]
    events.put_rule(
        Name="observe-all", EventBusName=bus, EventPattern=json.dumps({"source": ["orders"]})
    )
    events.put_targets(
        Rule="observe-all",
        EventBusName=bus,
        Targets=[{"Id": "observer", "Arn": urls["observe-events"][1]}],
    )
    return Observers(sqs, urls["observe-notifications"][0], urls["observe-events"][0])


FULFILMENT_RULE = "fulfil-placed-orders"


@pytest.fixture(scope="package")  # torn down before other packages' tests start their moto
def session_stack() -> Iterator[tuple[EmbeddedStack, Observers]]:
    with embedded_stack() as stack:
        # Placement tests observe placement alone: fulfilment starts only where a test asks
        # for it (the ``fulfilment`` fixture), so no order ships behind another test's back.
        stack.set_rule_enabled(FULFILMENT_RULE, False)
        yield stack, _attach_observers(stack)


@pytest.fixture
def fast_clock() -> Iterator[FastClock]:
    with fast_interpreter_clock() as clock:
        yield clock


@pytest.fixture
def faults() -> Iterator[FaultInjector]:
    """Make named Task states fail, and count their attempts (devstack.fault_injection)."""
    with FaultInjector() as injector:
        yield injector


@pytest.fixture
def stack(session_stack: tuple[EmbeddedStack, Observers], fast_clock: FastClock) -> EmbeddedStack:
    stack, observers = session_stack
    stack.seed()
    observers.notifications()
    observers.events()
    stack.aws.runtime.invocations.clear()
    return stack


@pytest.fixture
def observers(session_stack: tuple[EmbeddedStack, Observers], stack: EmbeddedStack) -> Observers:
    return session_stack[1]


_counter = itertools.count(1)


@pytest.fixture
def order_id() -> str:
    return f"ord-{next(_counter)}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def prices() -> dict[str, int]:
    return {p["productId"]: p["unitPrice"] for p in load_catalogue()["products"]}


@pytest.fixture
def make_order(order_id: str, prices: dict[str, int]):  # type: ignore[no-untyped-def]
    """Build a valid order request; lines are (productId, quantity)."""

    def build(
        *lines: tuple[str, int], token: str = "tok_visa", processor: str = "stripe"
    ) -> dict[str, Any]:
        return {
            "orderId": order_id,
            "customer": {
                "customerId": "cust-42",
                "email": "ada@example.com",
                "name": "Ada Lovelace",
            },
            "items": [
                {"productId": p, "quantity": q, "unitPrice": prices.get(p, 100)} for p, q in lines
            ],
            "payment": {"processor": processor, "token": token},
            "currency": "GBP",
        }

    return build
