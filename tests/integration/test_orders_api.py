"""POST /orders and GET /orders/{orderId} on the locally deployed stack, side effects included.

MiniStack's API Gateway cannot integrate with Step Functions, so requests go through the
local gateway, which applies the same schema and mapping templates Terraform deploys and
calls StartSyncExecution on MiniStack; the functions run as MiniStack processes.
"""

from typing import Any

import pytest

from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration


def test_placed_order_reserves_stock_saves_the_order_and_can_be_read_back(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    before = local_api.stock("MUG-LAMBDA"), local_api.stock("STICKERS-10")

    status, body = local_api.request("POST", "/orders", order)

    assert status == 200, body
    assert body["status"] == "PLACED"
    assert body["total"] == order["items"][0]["unitPrice"] + 2 * order["items"][1]["unitPrice"]
    assert (local_api.stock("MUG-LAMBDA"), local_api.stock("STICKERS-10")) == (
        before[0] - 1,
        before[1] - 2,
    )
    status, saved = local_api.request("GET", f"/orders/{order['orderId']}")
    assert status == 200
    assert saved["status"] == "PLACED"
    assert saved["paymentId"] == body["paymentId"]
    assert [line["productId"] for line in saved["items"]] == ["MUG-LAMBDA", "STICKERS-10"]


def test_declined_payment_answers_402_and_returns_the_stock(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["payment"]["token"] = "tok_decline_card_expired"
    before = local_api.stock("MUG-LAMBDA")

    status, body = local_api.request("POST", "/orders", order)

    assert status == 402, body
    assert body["error"]["type"] == "PaymentDeclined"
    assert "card_expired" in body["error"]["message"]
    assert local_api.stock("MUG-LAMBDA") == before
    assert local_api.request("GET", f"/orders/{order['orderId']}")[0] == 404


def test_order_beyond_the_stock_answers_409_and_changes_no_stock(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["items"].append({"productId": "HEADSET-PRO", "quantity": 999, "unitPrice": 21900})
    before = [local_api.stock(line["productId"]) for line in order["items"]]

    status, body = local_api.request("POST", "/orders", order)

    assert status == 409, body
    assert body["status"] == "OUT_OF_STOCK"
    assert [local_api.stock(line["productId"]) for line in order["items"]] == before


def test_transient_processor_fault_is_retried_and_the_order_placed_once(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["payment"]["token"] = "tok_unavailable_1"

    status, body = local_api.request("POST", "/orders", order)

    assert status == 200, body
    charges = [
        row
        for row in local_api.rows("payments")
        if row.get("orderId", {}).get("S") == order["orderId"] and "status" in row
    ]
    assert len(charges) == 1


def test_repeated_order_gets_the_first_result_and_is_charged_once(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    first = local_api.request("POST", "/orders", order)
    before = local_api.stock("MUG-LAMBDA")

    second = local_api.request("POST", "/orders", order)

    assert first[0] == second[0] == 200
    assert second[1] == first[1]
    assert local_api.stock("MUG-LAMBDA") == before
    charges = [
        r for r in local_api.rows("payments") if r.get("orderId", {}).get("S") == order["orderId"]
    ]
    assert len(charges) == 1


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda o: {**o, "items": [{**o["items"][0], "quantity": 1.5}]}, "items[0].quantity"),
        (lambda o: {k: v for k, v in o.items() if k != "payment"}, "payment"),
        (lambda o: {**o, "orderId": "has spaces"}, "orderId"),
        (lambda o: {**o, "extra": True}, "extra"),
    ],
    ids=["fractional quantity", "missing payment", "bad orderId", "unexpected field"],
)
def test_body_breaking_the_schema_answers_400_naming_the_field_before_any_execution(
    local_api: LocalApi, order: dict[str, Any], mutate, field: str
) -> None:
    orders_before = len(local_api.rows("orders"))

    status, body = local_api.request("POST", "/orders", mutate(order))

    assert status == 400
    assert body["status"] == "REJECTED"
    assert field in body["error"]["message"]
    assert len(local_api.rows("orders")) == orders_before


def test_unknown_product_passes_the_schema_and_is_rejected_by_the_workflow(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    order["items"][0]["productId"] = "NO-SUCH-THING"

    status, body = local_api.request("POST", "/orders", order)

    assert status == 400
    assert body["error"]["message"].startswith("items[0].productId:")


def test_request_without_the_api_key_is_forbidden(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    status, _ = local_api.request("POST", "/orders", order, api_key="wrong")

    assert status == 403
    assert local_api.request("GET", f"/orders/{order['orderId']}", api_key="wrong")[0] == 403
