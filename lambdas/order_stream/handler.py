"""OrderStream: the orders table's stream -> ``OrderStatusChanged`` on the EventBridge bus.

Filtering happens at the source (the mapping's filter criteria), not here. A record whose
event cannot be published raises; with ReportBatchItemFailures the stream resumes from that
record, the mapping bisects the batch and retries a bounded number of times, then sends the
record's coordinates to the on-failure queue.
"""

import json
from dataclasses import dataclass

import boto3
from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)

from order_stream.logic import status_change
from shared.batch import partial_batch_handler
from shared.clients import CLIENT_CONFIG
from shared.observability import create_observability
from shared.settings import load_settings


class PublishFailed(Exception):
    """EventBridge did not accept the event."""


@dataclass(frozen=True)
class Settings:
    event_bus_name: str


settings = load_settings(Settings)
observability = create_observability()
logger, tracer, metrics = observability
events = boto3.client("events", config=CLIENT_CONFIG)


def publish(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    change = status_change(
        stream.new_image if stream else None, stream.old_image if stream else None
    )
    answer = events.put_events(
        Entries=[
            {
                "EventBusName": settings.event_bus_name,
                "Source": "orders",
                "DetailType": "OrderStatusChanged",
                "Detail": json.dumps(change.as_detail()),
            }
        ]
    )
    if answer.get("FailedEntryCount"):
        raise PublishFailed(json.dumps(answer["Entries"]))
    logger.info("status change published", extra=change.as_detail())
    metrics.add_metric(name="StatusChangesPublished", unit="Count", value=1)


lambda_handler = partial_batch_handler(observability, EventType.DynamoDBStreams, publish)
