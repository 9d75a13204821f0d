"""shared.payment_ledger.PaymentLedger on moto's DynamoDB."""

from typing import Any

import pytest

from shared.errors import PaymentNotFound
from shared.payment_ledger import PaymentLedger, payment_id_for

pytestmark = pytest.mark.unit


@pytest.fixture
def ledger(payments_table: Any) -> PaymentLedger:
    return PaymentLedger(payments_table)


def charge_items(table: Any) -> list[dict[str, Any]]:
    """Charges only: attempt counters share the table under ``attempts#`` keys."""
    return [i for i in table.scan()["Items"] if not i["paymentId"].startswith("attempts#")]


def test_capture_records_a_captured_charge_under_the_deterministic_payment_id(
    ledger: PaymentLedger, payments_table: Any
) -> None:
    charge = ledger.capture("stripe", "ord-1", 3648, "GBP")

    assert charge == {
        "paymentId": payment_id_for("stripe", "ord-1"),
        "orderId": "ord-1",
        "processor": "stripe",
        "amount": 3648,
        "currency": "GBP",
        "status": "CAPTURED",
    }
    [stored] = charge_items(payments_table)
    assert stored["paymentId"] == charge["paymentId"]
    assert stored["status"] == "CAPTURED"
    assert "capturedAt" in stored


def test_capturing_the_same_key_twice_returns_the_first_charge_and_writes_one_item(
    ledger: PaymentLedger, payments_table: Any
) -> None:
    first = ledger.capture("stripe", "ord-1", 3648, "GBP")

    second = ledger.capture("stripe", "ord-1", 9999, "EUR")

    assert second == first
    assert len(charge_items(payments_table)) == 1


def test_payment_id_is_deterministic_and_differs_by_processor_and_key() -> None:
    assert payment_id_for("stripe", "ord-1") == payment_id_for("stripe", "ord-1")
    assert payment_id_for("stripe", "ord-1").startswith("pay_")
    assert (
        len(
            {
                payment_id_for("stripe", "ord-1"),
                payment_id_for("paypal", "ord-1"),
                payment_id_for("stripe", "ord-2"),
            }
        )
        == 3
    )


def test_count_attempt_increments_per_processor_and_key(ledger: PaymentLedger) -> None:
    counts = [ledger.count_attempt("stripe", "ord-1") for _ in range(3)]

    assert counts == [1, 2, 3]
    assert ledger.count_attempt("stripe", "ord-2") == 1
    assert ledger.count_attempt("paypal", "ord-1") == 1


def test_refund_marks_the_charge_refunded_with_its_reason(
    ledger: PaymentLedger, payments_table: Any
) -> None:
    charge = ledger.capture("paypal", "ord-1", 500, "GBP")

    refunded = ledger.refund(charge["paymentId"], "order could not be saved")

    assert refunded == {**charge, "status": "REFUNDED"}
    [stored] = charge_items(payments_table)
    assert stored["status"] == "REFUNDED"
    assert stored["refundReason"] == "order could not be saved"


def test_second_refund_returns_the_refunded_charge_and_changes_nothing(
    ledger: PaymentLedger, payments_table: Any
) -> None:
    charge = ledger.capture("paypal", "ord-1", 500, "GBP")
    first = ledger.refund(charge["paymentId"], "first reason")
    [after_first] = charge_items(payments_table)

    second = ledger.refund(charge["paymentId"], "second reason")

    assert second == first
    assert second["status"] == "REFUNDED"
    assert charge_items(payments_table) == [after_first]


def test_refund_of_an_unknown_payment_raises_payment_not_found_and_writes_nothing(
    ledger: PaymentLedger, payments_table: Any
) -> None:
    with pytest.raises(PaymentNotFound, match="pay_nope"):
        ledger.refund("pay_nope", "no such charge")

    assert payments_table.scan()["Items"] == []


def test_get_of_an_unknown_payment_raises_payment_not_found(ledger: PaymentLedger) -> None:
    with pytest.raises(PaymentNotFound):
        ledger.get("pay_nope")


def test_refund_of_an_attempts_counter_is_not_a_payment(ledger) -> None:
    ledger.count_attempt("stripe", "ord-attempts")

    with pytest.raises(PaymentNotFound):
        ledger.refund("attempts#" + payment_id_for("stripe", "ord-attempts"), "no such charge")
