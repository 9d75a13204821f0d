"""InventoryExtract: the first step of the inventory import workflow.

Reads the uploaded CSV once, validates every line, and either rejects the file whole (moved
under ``rejected/`` with a report; nothing is loaded) or writes its per-product totals back as
chunks under ``work/<importId>/``. The state machine then carries only the chunk keys, so
the file's size never reaches Step Functions' 256 KiB payload limit.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_extract.files import ImportFiles
from inventory_extract.logic import (
    ExtractResult,
    ImportRequest,
    ParsedFile,
    chunks,
    parse,
    parse_request,
    rejection_report,
)
from shared.clients import CLIENT_CONFIG
from shared.errors import ImportFileRejected, ValidationError
from shared.observability import counting_business_errors, create_observability
from shared.settings import load_settings


@dataclass(frozen=True)
class Settings:
    import_bucket_name: str


settings = load_settings(Settings)
logger, tracer, metrics = create_observability()
files = ImportFiles(boto3.client("s3", config=CLIENT_CONFIG), settings.import_bucket_name)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _reject(request: ImportRequest, parsed: ParsedFile) -> ImportFileRejected:
    files.reject(request, rejection_report(request.key, parsed, _now()))
    logger.warning(
        "rejected",
        extra={"source": request.key, "badLineCount": parsed.bad_line_count},
    )
    metrics.add_metric(name="ImportFilesRejected", unit="Count", value=1)
    return ImportFileRejected(request.report_key, parsed.bad_line_count)


def _already_rejected(request: ImportRequest) -> ImportFileRejected:
    """The upload is gone: an earlier attempt rejected it (its report says so), or not."""
    report = files.previous_report(request)
    if report is None:
        raise ValidationError("key", f"{request.key} does not exist and was never rejected")
    logger.info("already rejected", extra={"source": request.key})
    return ImportFileRejected(request.report_key, int(report.get("badLineCount", 0)))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@counting_business_errors(metrics)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> ExtractResult:
    request = parse_request(event, settings.import_bucket_name)
    lines = files.lines(request)
    if lines is None:
        raise _already_rejected(request)
    parsed = parse(lines)
    if not parsed.valid:
        raise _reject(request, parsed)
    import_id = request.import_id
    refs = files.write_chunks(import_id, chunks(parsed.totals))
    result: ExtractResult = {
        "importId": import_id,
        "bucket": request.bucket,
        "source": request.key,
        "rows": parsed.rows,
        "products": parsed.products,
        "units": parsed.units,
        "chunks": refs,
    }
    logger.info("extracted", extra={k: v for k, v in result.items() if k != "chunks"})
    metrics.add_metric(name="ImportFilesExtracted", unit="Count", value=1)
    metrics.add_metric(name="ImportRowsExtracted", unit="Count", value=parsed.rows)
    return result
