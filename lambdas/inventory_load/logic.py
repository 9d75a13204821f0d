"""One chunk of an inventory import: checked, split into transactions, each applied once.

A chunk is split into parts of at most ``PART_ROWS`` rows; each part is one DynamoDB
transaction of its rows' stock increments plus a marker item in the idempotency table,
conditional on the marker not existing yet. The increment and the proof that it happened
commit together, so a retried or twice-delivered chunk can tell exactly which parts are done.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from shared.errors import ValidationError

# TransactWriteItems takes at most 100 actions: 99 rows and the marker.
PART_ROWS = 99
MARKER_TTL_SECONDS = 7 * 24 * 60 * 60
MARKER_POSITION = 0  # the marker is the first action of each transaction
IMPORT_ID = re.compile(r"[0-9a-f]{16}")
PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_QUANTITY = 1_000_000 * 1_000_000  # a product's lines summed; far above any real receipt


class LoadResult(TypedDict):
    importId: str
    index: int
    appliedParts: int
    skippedParts: int
    products: int
    units: int


@dataclass(frozen=True)
class LoadRequest:
    bucket: str
    import_id: str
    key: str
    index: int


@dataclass(frozen=True)
class Row:
    product_id: str
    quantity: int


def chunk_key(import_id: str, index: int) -> str:
    """Where the extract wrote chunk ``index`` (``inventory_extract.logic.chunk_key``)."""
    return f"work/{import_id}/chunk-{index:05d}.json"


def parse_request(event: Mapping[str, Any], import_bucket: str) -> LoadRequest:
    """Check the Map iteration's input; raise ValidationError (not retried) if it is wrong.

    The key must be the one the import id and index name: the markers are keyed by those two,
    so loading some other object under them would mark the wrong rows as applied.
    """
    bucket, import_id = event.get("bucket"), event.get("importId")
    key, index = event.get("key"), event.get("index")
    if bucket != import_bucket:
        raise ValidationError("bucket", f"must be the import bucket {import_bucket}")
    if not isinstance(import_id, str) or not IMPORT_ID.fullmatch(import_id):
        raise ValidationError("importId", "required, 16 hexadecimal digits")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValidationError("index", "required, a whole number from 0")
    if key != chunk_key(import_id, index):
        raise ValidationError("key", f"must be {chunk_key(import_id, index)}")
    return LoadRequest(bucket=bucket, import_id=import_id, key=key, index=index)


def parse_chunk(data: Any) -> tuple[Row, ...]:
    """The chunk's rows; ValidationError if it is not what the extract writes.

    Products must be distinct: a transaction may not touch the same item twice, and the
    extract has already summed each product's lines.
    """
    if not isinstance(data, list) or not data:
        raise ValidationError("chunk", "a non-empty JSON list")
    rows: list[Row] = []
    seen: set[str] = set()
    for position, item in enumerate(data):
        product_id = item.get("productId") if isinstance(item, Mapping) else None
        quantity = item.get("quantity") if isinstance(item, Mapping) else None
        if not isinstance(product_id, str) or not PRODUCT_ID.fullmatch(product_id):
            raise ValidationError(f"chunk[{position}].productId", "a product id")
        if product_id in seen:
            raise ValidationError(f"chunk[{position}].productId", "repeated in the chunk")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ValidationError(f"chunk[{position}].quantity", "a whole number")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(f"chunk[{position}].quantity", f"from 1 to {MAX_QUANTITY}")
        seen.add(product_id)
        rows.append(Row(product_id, quantity))
    return tuple(rows)


def parts(rows: Sequence[Row], size: int = PART_ROWS) -> list[tuple[Row, ...]]:
    """Consecutive slices of at most ``size`` rows; the same chunk always splits the same way."""
    return [tuple(rows[start : start + size]) for start in range(0, len(rows), size)]


def marker_id(import_id: str, index: int, part: int) -> str:
    return f"import#{import_id}#{index}#{part}"


def transaction(
    rows: Sequence[Row],
    marker: str,
    expiration: int,
    inventory_table: str,
    idempotency_table: str,
) -> list[dict[str, Any]]:
    """The TransactItems of one part (low-level attribute values): the marker, then the rows."""
    put_marker = {
        "Put": {
            "TableName": idempotency_table,
            "Item": {"id": {"S": marker}, "expiration": {"N": str(expiration)}},
            "ConditionExpression": "attribute_not_exists(id)",
        }
    }
    updates = [
        {
            "Update": {
                "TableName": inventory_table,
                "Key": {"productId": {"S": row.product_id}},
                # ADD on a number: a product not yet in the table starts from 0.
                "UpdateExpression": "ADD quantity :qty",
                "ExpressionAttributeValues": {":qty": {"N": str(row.quantity)}},
            }
        }
        for row in rows
    ]
    return [put_marker, *updates]


def already_applied(response: Mapping[str, Any]) -> bool:
    """True if a cancelled transaction failed only because its marker exists.

    That is the one cancellation that means "done before": any other reason (a conflict with
    a concurrent write, throttling, a validation error on a row) leaves the part unapplied,
    and is raised for the state machine to retry.
    """
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    codes = [reason.get("Code") for reason in response.get("CancellationReasons") or []]
    if len(codes) <= MARKER_POSITION or codes[MARKER_POSITION] != "ConditionalCheckFailed":
        return False
    return all(code == "None" for i, code in enumerate(codes) if i != MARKER_POSITION)
