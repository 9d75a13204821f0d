"""What runs behind the API on the locally deployed stack: risk review and the customer e-mail.

These paths are asynchronous (EventBridge -> SQS -> Lambda, SNS -> SQS -> Lambda), so each
test polls for the side effect with a deadline.
"""

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration

DEADLINE_S = 20.0


def eventually(probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"nothing after {DEADLINE_S} s")


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
