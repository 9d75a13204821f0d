"""InventoryLoad: one iteration of the inventory import's Map, for one chunk.

Reads the chunk the extract wrote (the state carries its key, never its rows) and adds its
quantities to stock exactly once, however often Step Functions retries the iteration or the
same upload starts a second execution.
"""

import json
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_load.logic import LoadResult, parse_chunk, parse_request
from inventory_load.stock import StockLoader
from shared.clients import CLIENT_CONFIG
from shared.errors import ValidationError
from shared.observability import create_observability
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    inventory_table_name: str
    idempotency_table_name: str
    import_bucket_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
s3 = boto3.client("s3", config=CLIENT_CONFIG)
dynamodb = boto3.client("dynamodb", config=CLIENT_CONFIG)
loader = StockLoader(dynamodb, settings.inventory_table_name, settings.idempotency_table_name)


def _read_chunk(bucket: str, key: str) -> Any:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        return json.loads(body)
    except ValueError as error:
        raise ValidationError("chunk", f"{key} is not JSON ({error})") from error


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> LoadResult:
    request = parse_request(event, settings.import_bucket_name)
    rows = parse_chunk(_read_chunk(request.bucket, request.key))
    outcome = loader.load(request, rows)
    result: LoadResult = {
        "importId": request.import_id,
        "index": request.index,
        "appliedParts": outcome.applied_parts,
        "skippedParts": outcome.skipped_parts,
        "products": len(rows),
        "units": sum(row.quantity for row in rows),
    }
    logger.info("loaded", extra=dict(result))
    metrics.add_metric(name="ImportPartsApplied", unit="Count", value=outcome.applied_parts)
    metrics.add_metric(name="ImportPartsSkipped", unit="Count", value=outcome.skipped_parts)
    return result
