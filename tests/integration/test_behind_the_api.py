"""What runs behind the API on the locally deployed stack: risk review and the customer e-mail.

These paths are asynchronous (EventBridge -> SQS -> Lambda, SNS -> SQS -> Lambda), so each
test polls for the side effect with a deadline.
"""

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from devstack import local_stack
from tests.integration.conftest import PORT, LocalApi

pytestmark = pytest.mark.integration

DEADLINE_S = 20.0


def eventually(probe: Callable[[], Any], deadline_s: float = DEADLINE_S) -> Any:
    """The probe's first truthy answer, asked every 0.25 s; fails after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"nothing after {deadline_s} s")


def test_order_above_200_pounds_gets_a_risk_score(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["items"] = [{"productId": "HEADSET-PRO", "quantity": 1, "unitPrice": 21900}]

    status, _ = local_api.request("POST", "/orders", order)

    assert status == 200
    item = eventually(
        lambda: local_api.dynamodb.get_item(
            TableName=local_api.outputs.tables["orders"],
            Key={"orderId": {"S": order["orderId"]}},
        )["Item"].get("riskScore")
    )
    assert int(item["N"]) == 10


def test_placed_order_sends_the_confirmation_email(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    status, _ = local_api.request("POST", "/orders", order)

    assert status == 200
    email = eventually(
        lambda: local_api.dynamodb.get_item(
            TableName=local_api.outputs.tables["outbox"],
            Key={"messageId": {"S": f"{order['orderId']}#PLACED"}},
        ).get("Item")
    )
    assert email["to"]["S"] == order["customer"]["email"]


@pytest.fixture(scope="module")
def status_changes(local_api: LocalApi) -> Callable[[str], list[dict[str, Any]]]:
    """An observer queue on the bus for OrderStatusChanged (test-only, like a subscriber)."""
    clients = local_stack.client_factory(PORT)
    sqs, events = clients("sqs"), clients("events")
    url = sqs.create_queue(QueueName="it-status-changes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = local_api.outputs.buses["orders"]
    pattern = {"source": ["orders"], "detail-type": ["OrderStatusChanged"]}
    events.put_rule(Name="it-status-changes", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="it-status-changes", EventBusName=bus, Targets=[{"Id": "observer", "Arn": arn}]
    )

    def received(order_id: str) -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        details = [json.loads(m["Body"])["detail"] for m in messages]
        return [d for d in details if d["orderId"] == order_id]

    return received


def test_placed_order_is_announced_by_the_order_stream(
    local_api: LocalApi, order: dict[str, Any], status_changes: Callable[[str], list[Any]]
) -> None:
    status, _ = local_api.request("POST", "/orders", order)

    assert status == 200
    [change] = eventually(lambda: status_changes(order["orderId"]))
    assert change == {"orderId": order["orderId"], "status": "PLACED", "previousStatus": None}
