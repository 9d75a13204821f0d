"""The Lambda entry point every queue and stream consumer shares.

Each record is handled on its own by Powertools' BatchProcessor; the function answers with
the records that failed (ReportBatchItemFailures), so one bad record is retried or
dead-lettered without holding up the others, and the consumer's own code is only the
per-record function.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import Observability

Handler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]


def partial_batch_handler(
    observability: Observability, event_type: EventType, record_handler: Callable[[Any], None]
) -> Handler:
    """A ``lambda_handler`` running ``record_handler`` on each record, with Powertools wrapped."""
    processor = BatchProcessor(event_type=event_type)
    logger, tracer, metrics = observability

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return lambda_handler
