"""ShippingLabel: the last step of pick, pack and label (the nested Express workflow).

Idempotent on ``orderId`` (Powertools idempotency on DynamoDB): Express runs at least once
and the parent retries the whole child, so a repeated request returns the first label.
"""

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.idempotency_keys import naming_a_missing_key
from shared.observability import create_observability
from shared.settings import load_settings
from shipping_label.logic import Label, create_label


@dataclass(frozen=True)
class Settings:
    idempotency_table_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
idempotency_store = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)
idempotency_config = IdempotencyConfig(
    event_key_jmespath="orderId", raise_on_no_idempotency_key=True
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@naming_a_missing_key("orderId")
@idempotent(config=idempotency_config, persistence_store=idempotency_store)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Label:
    label = create_label(event)
    logger.info("labelled", extra={"orderId": label["orderId"], "carrier": label["carrier"]})
    metrics.add_metric(name="LabelsCreated", unit="Count", value=1)
    return label
