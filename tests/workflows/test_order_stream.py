"""The orders table's stream -> OrderStream -> OrderStatusChanged, filtered at the source.

The filter criteria come from terraform/events/order_status_changes.filter.json, applied by
the event source mapping (the embedded emulator applies them as Lambda does), never by the
handler: a record the filter drops never invokes the function.
"""

import json
import sys
from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack
from tests.workflows.conftest import Observers

pytestmark = pytest.mark.workflow

STREAM_FUNCTION = "orders-local-order-stream"


def set_status(stack: EmbeddedStack, order_id: str, status: str) -> None:
    stack.aws.client("dynamodb").update_item(
        TableName=stack.outputs.tables["orders"],
        Key={"orderId": {"S": order_id}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )


def stream_invocations(stack: EmbeddedStack) -> int:
    return sum(1 for i in stack.aws.runtime.invocations if i.function_name == STREAM_FUNCTION)


def changes(observers: Observers) -> list[dict[str, Any]]:
    return [event["detail"] for event in observers.events("OrderStatusChanged")]


def test_placed_order_is_announced_as_a_status_change(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert changes(observers) == [{"orderId": order_id, "status": "PLACED", "previousStatus": None}]


def test_shipping_an_order_publishes_the_change_with_the_previous_status(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))
    observers.events()

    set_status(stack, order_id, "SHIPPED")

    assert changes(observers) == [
        {"orderId": order_id, "status": "SHIPPED", "previousStatus": "PLACED"}
    ]


def test_an_update_that_keeps_the_status_never_invokes_the_function(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("HEADSET-PRO", 1)))  # also risk-scored: a MODIFY, same status
    observers.events()
    before = stream_invocations(stack)

    set_status(stack, order_id, "PLACED")
    set_status(stack, order_id, "PACKING")  # not a status the filter announces

    assert stream_invocations(stack) == before
    assert changes(observers) == []


def test_a_change_that_cannot_be_published_is_retried_then_sent_to_the_failure_queue(
    stack: EmbeddedStack, make_order, order_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))  # loads the handler (its cold start)
    handler = sys.modules["order_stream.handler"]
    # Fault injection: the bus the function publishes to is gone.
    monkeypatch.setattr(handler, "settings", handler.Settings(event_bus_name="no-such-bus"))
    before = stream_invocations(stack)

    set_status(stack, order_id, "CANCELLED")

    assert stream_invocations(stack) - before == 4, "first attempt and three retries"
    sqs = stack.aws.client("sqs")
    [failure] = sqs.receive_message(
        QueueUrl=stack.outputs.queues["order-stream-failures"], MaxNumberOfMessages=10
    )["Messages"]
    record = json.loads(failure["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1
    sqs.delete_message(
        QueueUrl=stack.outputs.queues["order-stream-failures"],
        ReceiptHandle=failure["ReceiptHandle"],
    )
