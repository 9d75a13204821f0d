"""Fulfilment on the locally deployed stack: OrderPlaced -> EventBridge -> the Standard
workflow, approval through the approvals queue (the code behind ``make approve``), the nested
Express pick-pack-label run, SHIPPED and the customer's e-mail; a rejection gives the stock
back and refunds."""

from typing import Any

import pytest

from devstack.approvals import ApprovalQueue, ApprovalRequest
from tests.integration.conftest import LocalApi
from tests.integration.test_behind_the_api import eventually

pytestmark = pytest.mark.integration


def approvals(local_api: LocalApi) -> ApprovalQueue:
    return ApprovalQueue(
        local_api.client("sqs"),
        local_api.client("stepfunctions"),
        local_api.outputs.queues["approvals"],
    )


def order_row(local_api: LocalApi, order_id: str) -> dict[str, Any]:
    return dict(
        local_api.dynamodb.get_item(
            TableName=local_api.outputs.tables["orders"], Key={"orderId": {"S": order_id}}
        ).get("Item", {})
    )


def with_status(local_api: LocalApi, order_id: str, status: str) -> dict[str, Any]:
    return dict(
        eventually(
            lambda: (row := order_row(local_api, order_id)) and row["status"]["S"] == status and row
        )
    )


def pending_request(queue: ApprovalQueue, order_id: str) -> ApprovalRequest:
    request: ApprovalRequest = eventually(
        lambda: next((r for r in queue.pending() if r.order_id == order_id), None)
    )
    return request


def emailed(local_api: LocalApi, message_id: str) -> Any:
    return eventually(
        lambda: local_api.dynamodb.get_item(
            TableName=local_api.outputs.tables["outbox"], Key={"messageId": {"S": message_id}}
        ).get("Item")
    )


def test_order_up_to_200_pounds_ships_and_the_customer_is_told(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    status, _ = local_api.request("POST", "/orders", order)

    assert status == 200
    row = with_status(local_api, order["orderId"], "SHIPPED")
    assert row["fulfilmentStage"]["S"] == "PACKED"
    assert row["trackingNumber"]["S"].startswith("RM")
    emailed(local_api, f"{order['orderId']}#SHIPPED")


def test_approved_high_value_order_ships(local_api: LocalApi, order: dict[str, Any]) -> None:
    order["items"] = [{"productId": "HEADSET-PRO", "quantity": 1, "unitPrice": 21900}]
    queue = approvals(local_api)

    status, _ = local_api.request("POST", "/orders", order)
    request = pending_request(queue, order["orderId"])
    queue.decide(order["orderId"], approve=True, reviewer="it")

    assert status == 200
    assert request.risk_summary == "10/100: no risk factor"
    row = with_status(local_api, order["orderId"], "SHIPPED")
    assert row["approvedBy"]["S"] == "it"
    emailed(local_api, f"{order['orderId']}#SHIPPED")
    status, shown = local_api.request("GET", f"/orders/{order['orderId']}")
    assert (status, shown["status"]) == (200, "SHIPPED")
    assert shown["shipment"]["trackingNumber"] == row["trackingNumber"]["S"]


def test_rejected_high_value_order_gets_its_stock_back_and_is_refunded(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["items"] = [{"productId": "HEADSET-PRO", "quantity": 1, "unitPrice": 21900}]
    queue = approvals(local_api)
    before = local_api.stock("HEADSET-PRO")

    local_api.request("POST", "/orders", order)
    pending_request(queue, order["orderId"])
    queue.decide(order["orderId"], approve=False, reviewer="it", reason="test rejection")

    row = with_status(local_api, order["orderId"], "REJECTED")
    assert row["rejectionNote"]["S"] == "test rejection"
    emailed(local_api, f"{order['orderId']}#REJECTED")  # the last step: all done by now
    assert local_api.stock("HEADSET-PRO") == before
    charges = [
        r
        for r in local_api.rows("payments")
        if r.get("orderId", {}).get("S") == order["orderId"]
        and not r["paymentId"]["S"].startswith("attempts#")
    ]
    assert [c["status"]["S"] for c in charges] == ["REFUNDED"]
