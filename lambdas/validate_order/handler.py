"""ValidateOrder: the first Lambda of the order workflow (order_processing.asl.json)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.clients import dynamodb_table
from shared.masking import masked
from shared.observability import counting_business_errors, create_observability
from shared.settings import load_settings
from validate_order.catalogue import DynamoDBCatalogue
from validate_order.logic import validate_order
from validate_order.models import PricedOrder


@dataclass(frozen=True)
class Settings:
    catalogue_table_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
catalogue = DynamoDBCatalogue(dynamodb_table(settings.catalogue_table_name))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@counting_business_errors(metrics)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PricedOrder:
    logger.info("validating order", extra={"order": masked(event)})
    received_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    order = validate_order(event, catalogue, received_at)
    logger.info("order valid", extra={"orderId": order["orderId"], "total": order["total"]})
    metrics.add_metric(name="OrdersValidated", unit="Count", value=1)
    return order
