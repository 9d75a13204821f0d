"""Notifier: consumes the notifications queue (subscribed to the order notifications topic).

SQS and SNS deliver at least once, so the outbox write is conditional on the message id
(order and status): a duplicate delivery sends nothing twice. Partial batch failures let one
bad message be retried and dead-lettered without holding up the rest.
"""

import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.logic import compose
from notifier.outbox import Outbox
from shared.clients import dynamodb_table
from shared.observability import create_observability
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    outbox_table_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
outbox = Outbox(dynamodb_table(settings.outbox_table_name))
processor = BatchProcessor(event_type=EventType.SQS)


def notify(record: SQSRecord) -> None:
    email = compose(json.loads(record.body))
    sent = outbox.send(email)
    logger.info("notified" if sent else "already notified", extra={"messageId": email.message_id})
    if sent:
        metrics.add_metric(name="EmailsSent", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=notify, processor=processor, context=context
    )
