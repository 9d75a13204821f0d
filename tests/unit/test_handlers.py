"""The Lambda handlers through their modules, on moto's DynamoDB, as a cold start loads them."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyKeyError,
    IdempotencyValidationError,
)

from devstack.inprocess_lambda import LambdaContext
from shared.errors import ConfigurationError, ProcessorUnavailable, ValidationError
from shared.payment_ledger import PaymentLedger, payment_id_for
from tests.unit.conftest import fresh_import

pytestmark = pytest.mark.unit

LoadHandler = Callable[[str], ModuleType]


@pytest.fixture
def load_handler(
    monkeypatch: pytest.MonkeyPatch,
    payments_table: Any,
    idempotency_table: Any,
    catalogue_table: Any,
) -> LoadHandler:
    """Set the functions' environment, then import a handler module so its settings read it."""
    environment = {
        "PAYMENTS_TABLE_NAME": payments_table.name,
        "IDEMPOTENCY_TABLE_NAME": idempotency_table.name,
        "CATALOGUE_TABLE_NAME": catalogue_table.name,
        "POWERTOOLS_SERVICE_NAME": "orders-unit",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersUnit",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return lambda name: fresh_import(f"{name}.handler")


def charges(table: Any) -> list[dict[str, Any]]:
    return [i for i in table.scan()["Items"] if not i["paymentId"].startswith("attempts#")]


def charge_event(order_id: str = "ord-1", token: str = "tok_visa", amount: int = 3648):
    return {
        "orderId": order_id,
        "processor": "stripe",
        "token": token,
        "amount": amount,
        "currency": "GBP",
    }


@pytest.fixture
def process_payment(load_handler: LoadHandler) -> ModuleType:
    return load_handler("process_payment")


def count_charges(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Spy on the processor the handler charges through; returns the list of requests."""
    calls: list[Any] = []
    charge = module.processor.charge

    def spy(request: Any) -> Any:
        calls.append(request)
        return charge(request)

    monkeypatch.setattr(module.processor, "charge", spy)
    return calls


def test_same_order_charged_twice_returns_the_first_payment_and_charges_once(
    process_payment: ModuleType,
    lambda_context: LambdaContext,
    payments_table: Any,
    idempotency_table: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = count_charges(process_payment, monkeypatch)

    first = process_payment.lambda_handler(charge_event(), lambda_context)
    second = process_payment.lambda_handler(charge_event(), lambda_context)

    assert second == first
    assert first["paymentId"] == payment_id_for("stripe", "ord-1")
    assert len(calls) == 1, "the repeat is answered from the idempotency record"
    assert len(charges(payments_table)) == 1
    [record] = idempotency_table.scan()["Items"]
    assert record["status"] == "COMPLETED"


def test_same_order_with_another_amount_is_refused_as_a_different_payload(
    process_payment: ModuleType, lambda_context: LambdaContext, payments_table: Any
) -> None:
    process_payment.lambda_handler(charge_event(amount=3648), lambda_context)

    with pytest.raises(IdempotencyValidationError):
        process_payment.lambda_handler(charge_event(amount=1), lambda_context)

    [charge] = charges(payments_table)
    assert charge["amount"] == 3648


def test_a_failed_charge_does_not_block_its_retry(
    process_payment: ModuleType, lambda_context: LambdaContext, payments_table: Any
) -> None:
    event = charge_event(token="tok_unavailable_1")
    with pytest.raises(ProcessorUnavailable):
        process_payment.lambda_handler(event, lambda_context)

    charge = process_payment.lambda_handler(event, lambda_context)

    assert charge["status"] == "CAPTURED"
    assert len(charges(payments_table)) == 1


def test_charge_without_an_order_id_is_refused_before_charging(
    process_payment: ModuleType, lambda_context: LambdaContext, payments_table: Any
) -> None:
    event = {k: v for k, v in charge_event().items() if k != "orderId"}

    with pytest.raises(
        ValidationError, match="orderId: required: it is the idempotency key"
    ) as raised:
        process_payment.lambda_handler(event, lambda_context)

    assert isinstance(raised.value.__cause__, IdempotencyKeyError)
    assert payments_table.scan()["Items"] == []


def test_handler_module_without_its_table_names_fails_at_cold_start_naming_them(
    load_handler: LoadHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_TABLE_NAME")
    monkeypatch.delenv("IDEMPOTENCY_TABLE_NAME")

    with pytest.raises(ConfigurationError, match="PAYMENTS_TABLE_NAME, IDEMPOTENCY_TABLE_NAME"):
        load_handler("process_payment")


@pytest.mark.parametrize("event", [{}, {"paymentId": ""}, {"paymentId": 7}], ids=repr)
def test_refund_without_a_payment_id_is_rejected_with_validation_error(
    load_handler: LoadHandler, lambda_context: LambdaContext, event: dict[str, Any]
) -> None:
    refund_payment = load_handler("refund_payment")

    with pytest.raises(ValidationError) as caught:
        refund_payment.lambda_handler(event, lambda_context)

    assert caught.value.field == "paymentId"


def test_refund_marks_the_captured_charge_refunded_with_a_default_reason(
    load_handler: LoadHandler, lambda_context: LambdaContext, payments_table: Any
) -> None:
    charge = PaymentLedger(payments_table).capture("paypal", "ord-9", 500, "GBP")
    refund_payment = load_handler("refund_payment")

    refunded = refund_payment.lambda_handler({"paymentId": charge["paymentId"]}, lambda_context)

    assert refunded == {**charge, "status": "REFUNDED"}
    [stored] = charges(payments_table)
    assert stored["refundReason"] == "order not completed"


def test_validate_order_handler_prices_an_order_from_the_catalogue_table(
    load_handler: LoadHandler, lambda_context: LambdaContext, catalogue_table: Any
) -> None:
    catalogue_table.put_item(
        Item={"productId": "MUG-LAMBDA", "name": "Lambda mug", "unitPrice": 1299, "currency": "GBP"}
    )
    validate_order = load_handler("validate_order")
    request = {
        "orderId": "ord-7",
        "customer": {"customerId": "cust-1", "email": "ada@example.com"},
        "items": [{"productId": "MUG-LAMBDA", "quantity": 2, "unitPrice": 1299}],
        "payment": {"processor": "stripe", "token": "tok_visa"},
    }

    priced = validate_order.lambda_handler(request, lambda_context)

    assert priced["total"] == 2598
    assert priced["receivedAt"].endswith("+00:00")
