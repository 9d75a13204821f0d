"""RiskScreening: consumes the review queue (high-value OrderPlaced events from EventBridge).

Each SQS record is processed on its own with Powertools' BatchProcessor, and the function
answers with partial batch failures (ReportBatchItemFailures): one bad record is retried and,
after the queue's maxReceiveCount, dead-lettered, without failing the others.
"""

import json
from dataclasses import dataclass

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from risk_screening.logic import assess
from risk_screening.orders import OrderRiskWriter
from shared.batch import partial_batch_handler
from shared.clients import dynamodb_table
from shared.observability import create_observability
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    orders_table_name: str


settings = load_settings(Settings)
observability = create_observability()
logger, tracer, metrics = observability
writer = OrderRiskWriter(dynamodb_table(settings.orders_table_name))


def screen(record: SQSRecord) -> None:
    event = json.loads(record.body)
    assessment = assess(event.get("detail", {}))
    writer.record(assessment)
    logger.info("screened", extra={"orderId": assessment.order_id, "score": assessment.score})
    metrics.add_metric(name="OrdersScreened", unit="Count", value=1)


lambda_handler = partial_batch_handler(observability, EventType.SQS, screen)
