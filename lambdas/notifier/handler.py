"""Notifier: consumes the notifications queue (subscribed to the order notifications topic).

SQS and SNS deliver at least once, so the outbox write is conditional on the message id
(order and status): a duplicate delivery sends nothing twice. Partial batch failures let one
bad message be retried and dead-lettered without holding up the rest.
"""

import json
from dataclasses import dataclass

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notifier.logic import compose
from notifier.outbox import Outbox
from shared.batch import partial_batch_handler
from shared.clients import dynamodb_table
from shared.observability import create_observability
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    outbox_table_name: str


settings = load_settings(Settings)
observability = create_observability()
logger, tracer, metrics = observability
outbox = Outbox(dynamodb_table(settings.outbox_table_name))


def notify(record: SQSRecord) -> None:
    email = compose(json.loads(record.body))
    sent = outbox.send(email)
    logger.info("notified" if sent else "already notified", extra={"messageId": email.message_id})
    if sent:
        metrics.add_metric(name="EmailsSent", unit="Count", value=1)


lambda_handler = partial_batch_handler(observability, EventType.SQS, notify)
