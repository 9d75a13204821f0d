"""RefundPayment: the compensation for a charge that cannot be followed by a saved order.

Refunding is idempotent in the ledger itself: a second refund of the same payment returns
the refunded charge and moves no money.
"""

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.clients import dynamodb_table
from shared.errors import ValidationError
from shared.observability import create_observability
from shared.payment_ledger import Charge, PaymentLedger
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    payments_table_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
ledger = PaymentLedger(dynamodb_table(settings.payments_table_name))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Charge:
    payment_id = event.get("paymentId")
    if not isinstance(payment_id, str) or not payment_id:
        raise ValidationError("paymentId", "required, a non-empty string")
    reason = str(event.get("reason") or "order not completed")
    charge = ledger.refund(payment_id, reason)
    logger.info("refunded", extra={"paymentId": payment_id, "orderId": charge["orderId"]})
    metrics.add_metric(name="PaymentsRefunded", unit="Count", value=1)
    return charge
