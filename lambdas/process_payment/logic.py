"""ProcessPayment's rules: what a charge request must hold, and what a capture returns."""

from collections.abc import Mapping
from typing import Any

from process_payment.processors import ChargeRequest, SimulatedProcessor
from shared.errors import ValidationError
from shared.payment_ledger import Charge

PROCESSORS = ("stripe", "paypal", "applepay")


def parse_charge_request(event: Mapping[str, Any]) -> ChargeRequest:
    for field in ("orderId", "processor", "token", "currency"):
        if not isinstance(event.get(field), str) or not event[field]:
            raise ValidationError(field, "required, a non-empty string")
    if event["processor"] not in PROCESSORS:
        raise ValidationError("processor", f"must be one of {', '.join(PROCESSORS)}")
    amount = event.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError("amount", "a positive whole number of minor units")
    return ChargeRequest(
        order_id=event["orderId"],
        processor=event["processor"],
        token=event["token"],
        amount=amount,
        currency=event["currency"],
    )


def process_payment(event: Mapping[str, Any], processor: SimulatedProcessor) -> Charge:
    return processor.charge(parse_charge_request(event))
