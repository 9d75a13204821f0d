"""ProcessPayment: charges an order through the simulated processor the order names.

Idempotent on ``orderId`` (Powertools idempotency on DynamoDB): a retried or duplicated
invocation returns the first result and never charges twice. Failures are raised, so the
state machine's Retry (ProcessorThrottled, ProcessorUnavailable) and Catch (PaymentDeclined)
act on the exception's class name.
"""

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from process_payment.logic import process_payment
from process_payment.processors import SimulatedProcessor
from shared.clients import dynamodb_table
from shared.idempotency_keys import naming_a_missing_key
from shared.masking import masked
from shared.observability import counting_business_errors, create_observability
from shared.payment_ledger import Charge, PaymentLedger
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    payments_table_name: str
    idempotency_table_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
processor = SimulatedProcessor(PaymentLedger(dynamodb_table(settings.payments_table_name)))
idempotency_store = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)
idempotency_config = IdempotencyConfig(
    event_key_jmespath="orderId",
    payload_validation_jmespath="[amount, currency]",
    raise_on_no_idempotency_key=True,
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@counting_business_errors(metrics)
@naming_a_missing_key("orderId")
@idempotent(config=idempotency_config, persistence_store=idempotency_store)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Charge:
    logger.info("charging", extra={"request": masked(event)})
    charge = process_payment(event, processor)
    logger.info("captured", extra={"paymentId": charge["paymentId"], "amount": charge["amount"]})
    metrics.add_metric(name="PaymentsCaptured", unit="Count", value=1)
    return charge
