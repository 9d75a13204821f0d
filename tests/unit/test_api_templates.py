"""The API contract files (terraform/api/) rendered as API Gateway renders them.

Terraform deploys these files; the local gateway renders the same files with airspeed. These
tests pin what each template produces for each kind of answer.
"""

import json
from typing import Any

import pytest

from devstack import vtl
from devstack.local_gateway import SCHEMA_FILE, validation_errors

pytestmark = pytest.mark.unit

API = SCHEMA_FILE.parent
STAGE = {"orderStateMachineArn": "arn:aws:states:eu-west-2:123456789012:stateMachine:sm",
         "ordersTableName": "orders-local-orders"}  # fmt: skip


def context() -> vtl.RequestContext:
    return vtl.RequestContext(request_id="req-1", request_time_epoch=1795000000123)


@pytest.fixture
def order() -> dict[str, Any]:
    return {
        "orderId": "ord-1",
        "customer": {"customerId": "c1", "email": "a@example.com", "name": 'O\'Brien "Bob"'},
        "items": [{"productId": "MUG-LAMBDA", "quantity": 1, "unitPrice": 1299}],
        "payment": {"processor": "stripe", "token": "tok_visa"},
    }


def test_place_order_request_names_the_execution_after_the_order_and_passes_the_body(order):
    text, status = vtl.render(API / "place_order.request.vtl", order, context(), STAGE)

    request = json.loads(text)
    assert status is None
    assert request["stateMachineArn"] == STAGE["orderStateMachineArn"]
    assert request["name"] == "ord-1-1795000000123"
    assert json.loads(request["input"]) == order, "quotes and apostrophes survive the escaping"


def _sync_answer(status: str, result: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": status, "executionArn": "arn:x"}
    if result is not None:
        answer["output"] = json.dumps({**result, "bodyJson": json.dumps(result["body"])})
    return answer


@pytest.mark.parametrize("code", [200, 400, 402, 409, 500])
def test_place_order_response_uses_the_workflow_status_code_and_body(code: int) -> None:
    result = {"statusCode": code, "body": {"orderId": "ord-1", "status": "X"}}

    text, status = vtl.render(
        API / "place_order.response.vtl", _sync_answer("SUCCEEDED", result), context(), STAGE
    )

    assert status == code
    assert json.loads(text) == result["body"]


@pytest.mark.parametrize("execution_status", ["FAILED", "TIMED_OUT"])
def test_place_order_response_for_an_execution_that_did_not_succeed_is_a_bare_500(
    execution_status: str,
) -> None:
    text, status = vtl.render(
        API / "place_order.response.vtl", _sync_answer(execution_status), context(), STAGE
    )

    assert status == 500
    assert json.loads(text)["error"]["type"] == "WorkflowFailed"


def test_get_order_request_asks_for_the_order_by_its_id() -> None:
    text, _ = vtl.render(API / "get_order.request.vtl", {}, context(), STAGE, {"orderId": "ord-1"})

    assert json.loads(text) == {
        "TableName": "orders-local-orders",
        "Key": {"orderId": {"S": "ord-1"}},
        "ConsistentRead": True,
    }


def test_get_order_response_for_a_missing_order_is_404() -> None:
    text, status = vtl.render(API / "get_order.response.vtl", {}, context(), STAGE)

    assert status == 404
    assert json.loads(text)["status"] == "NOT_FOUND"


def test_get_order_response_returns_the_saved_order() -> None:
    item = {
        "orderId": {"S": "ord-1"}, "status": {"S": "PLACED"}, "total": {"N": "1299"},
        "currency": {"S": "GBP"}, "items": {"S": '[{"productId": "MUG-LAMBDA"}]'},
        "paymentId": {"S": "pay_1"}, "createdAt": {"S": "2026-11-23T10:00:00.000+00:00"},
    }  # fmt: skip

    text, status = vtl.render(API / "get_order.response.vtl", {"Item": item}, context(), STAGE)

    assert status is None
    assert json.loads(text)["items"] == [{"productId": "MUG-LAMBDA"}]
    assert json.loads(text)["total"] == 1299


@pytest.mark.parametrize(
    ("added", "expected"),
    [
        (
            {"carrier": {"S": "royal-mail"}, "trackingNumber": {"S": "RM1GB"}},
            {"shipment": {"carrier": "royal-mail", "trackingNumber": "RM1GB"}},
        ),
        (
            {"rejectionReason": {"S": "REJECTED_BY_REVIEWER"}, "rejectionNote": {"S": 'a "b"'}},
            {"rejection": {"reason": "REJECTED_BY_REVIEWER", "note": 'a "b"'}},
        ),
    ],
    ids=["shipped", "rejected"],
)
def test_get_order_response_shows_what_fulfilment_added(
    added: dict[str, Any], expected: dict[str, Any]
) -> None:
    item = {
        "orderId": {"S": "ord-1"}, "status": {"S": "SHIPPED"}, "total": {"N": "1299"},
        "currency": {"S": "GBP"}, "items": {"S": "[]"}, "paymentId": {"S": "pay_1"},
        "createdAt": {"S": "2026-11-23T10:00:00.000+00:00"}, **added,
    }  # fmt: skip

    text, _ = vtl.render(API / "get_order.response.vtl", {"Item": item}, context(), STAGE)

    order = json.loads(text)
    assert {key: order[key] for key in expected} == expected
    assert not {"shipment", "rejection"} - set(expected) & set(order)


def test_bad_request_body_response_carries_the_validation_message() -> None:
    ctx = context()
    ctx.validation_error = "[items[0].quantity: 1.5 is not of type 'integer']"

    text, _ = vtl.render(API / "bad_request_body.response.vtl", {}, ctx, STAGE)

    assert json.loads(text)["error"]["message"] == ctx.validation_error


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda o: {**o, "items": []}, "items"),
        (lambda o: {**o, "items": [{**o["items"][0], "quantity": 0}]}, "items[0].quantity"),
        (lambda o: {**o, "payment": {**o["payment"], "processor": "cash"}}, "payment.processor"),
        (lambda o: {**o, "customer": {**o["customer"], "email": "no-at-sign"}}, "customer.email"),
        (lambda o: {**o, "currency": "EUR"}, "currency"),
    ],
)
def test_schema_problems_name_their_field(order, mutate, field: str) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())

    problems = validation_errors(mutate(order), schema)

    assert problems and problems[0].startswith(f"{field}:")
    assert validation_errors(order, schema) == []
