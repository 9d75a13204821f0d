"""process_payment: the simulated processors' token rules and the charge request's rules."""

from typing import Any

import pytest

from process_payment import processors
from process_payment.logic import PROCESSORS, parse_charge_request, process_payment
from process_payment.processors import ChargeRequest, SimulatedProcessor
from shared.errors import (
    PaymentDeclined,
    ProcessorThrottled,
    ProcessorUnavailable,
    ValidationError,
)
from shared.payment_ledger import PaymentLedger, payment_id_for
from validate_order import models

pytestmark = pytest.mark.unit


@pytest.fixture
def processor(payments_table: Any) -> SimulatedProcessor:
    return SimulatedProcessor(PaymentLedger(payments_table))


def request(token: str, order_id: str = "ord-1", processor: str = "stripe") -> ChargeRequest:
    return ChargeRequest(
        order_id=order_id, processor=processor, token=token, amount=1299, currency="GBP"
    )


def charges(table: Any) -> list[dict[str, Any]]:
    return [i for i in table.scan()["Items"] if not i["paymentId"].startswith("attempts#")]


def test_ordinary_token_captures_the_charge(
    processor: SimulatedProcessor, payments_table: Any
) -> None:
    charge = processor.charge(request("tok_visa", processor="applepay"))

    assert charge == {
        "paymentId": payment_id_for("applepay", "ord-1"),
        "orderId": "ord-1",
        "processor": "applepay",
        "amount": 1299,
        "currency": "GBP",
        "status": "CAPTURED",
    }
    assert len(charges(payments_table)) == 1


@pytest.mark.parametrize(
    "token, reason",
    [("tok_decline_insufficient_funds", "insufficient_funds"), ("tok_decline_", "declined")],
)
def test_decline_token_raises_payment_declined_with_the_reason_and_captures_nothing(
    processor: SimulatedProcessor, payments_table: Any, token: str, reason: str
) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        processor.charge(request(token))

    assert str(caught.value) == f"stripe declined the card: {reason}"
    assert payments_table.scan()["Items"] == []


@pytest.mark.parametrize(
    "token, fault, faults",
    [
        ("tok_unavailable_2", ProcessorUnavailable, 2),
        ("tok_throttle_1", ProcessorThrottled, 1),
    ],
)
def test_fault_token_fails_the_first_n_attempts_then_captures(
    processor: SimulatedProcessor,
    payments_table: Any,
    token: str,
    fault: type[Exception],
    faults: int,
) -> None:
    for attempt in range(1, faults + 1):
        with pytest.raises(fault, match=f"fault {attempt} of {faults}"):
            processor.charge(request(token))
        assert charges(payments_table) == []

    charge = processor.charge(request(token))

    assert charge["status"] == "CAPTURED"
    assert len(charges(payments_table)) == 1


def test_injected_faults_are_counted_per_order(processor: SimulatedProcessor) -> None:
    with pytest.raises(ProcessorUnavailable):
        processor.charge(request("tok_unavailable_1", order_id="ord-1"))
    processor.charge(request("tok_unavailable_1", order_id="ord-1"))

    with pytest.raises(ProcessorUnavailable):
        processor.charge(request("tok_unavailable_1", order_id="ord-2"))


@pytest.mark.parametrize("token", ["tok_unavailable_0", "tok_unavailable_x", "tok_throttle_"])
def test_fault_token_without_a_positive_count_captures_at_once(
    processor: SimulatedProcessor, token: str
) -> None:
    assert processor.charge(request(token))["status"] == "CAPTURED"


def test_slow_token_waits_its_milliseconds_before_capturing(
    processor: SimulatedProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(processors.time, "sleep", waits.append)

    charge = processor.charge(request("tok_slow_250"))

    assert waits == [0.25]
    assert charge["status"] == "CAPTURED"


VALID_EVENT = {
    "orderId": "ord-1",
    "processor": "paypal",
    "token": "tok_visa",
    "amount": 3648,
    "currency": "GBP",
}


def test_valid_charge_request_is_parsed_into_its_fields() -> None:
    assert parse_charge_request(VALID_EVENT) == ChargeRequest(
        order_id="ord-1", processor="paypal", token="tok_visa", amount=3648, currency="GBP"
    )


BAD_CHARGE_REQUESTS = [
    *(
        pytest.param({**VALID_EVENT, "amount": bad}, "amount", id=f"amount={bad!r}")
        for bad in (0, -1, 1.5, True, "3648", None)
    ),
    pytest.param({**VALID_EVENT, "processor": "cash"}, "processor", id="processor-unknown"),
    *(
        pytest.param(
            {k: v for k, v in VALID_EVENT.items() if k != name}, name, id=f"{name}-missing"
        )
        for name in VALID_EVENT
    ),
    *(
        pytest.param({**VALID_EVENT, name: ""}, name, id=f"{name}-empty")
        for name in ("orderId", "processor", "token", "currency")
    ),
]


@pytest.mark.parametrize("event, field", BAD_CHARGE_REQUESTS)
def test_bad_charge_request_is_rejected_naming_the_field(event: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_charge_request(event)

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_process_payment_charges_a_valid_request_through_the_processor(
    processor: SimulatedProcessor, payments_table: Any
) -> None:
    charge = process_payment(VALID_EVENT, processor)

    assert charge["paymentId"] == payment_id_for("paypal", "ord-1")
    assert charge["amount"] == 3648
    assert len(charges(payments_table)) == 1


def test_process_payment_rejects_a_bad_request_before_touching_the_ledger(
    processor: SimulatedProcessor, payments_table: Any
) -> None:
    with pytest.raises(ValidationError):
        process_payment({**VALID_EVENT, "amount": 0}, processor)

    assert payments_table.scan()["Items"] == []


def test_processors_that_can_be_charged_are_those_an_order_may_name() -> None:
    assert set(PROCESSORS) == set(models.PROCESSORS)
