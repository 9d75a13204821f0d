"""Applies a chunk's parts to the inventory table, each exactly once.

Uses the low-level DynamoDB client: TransactWriteItems needs it, and its cancellation
reasons are how a part already applied is told apart from a part that failed.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from inventory_load.logic import (
    MARKER_TTL_SECONDS,
    LoadRequest,
    Row,
    already_applied,
    marker_id,
    parts,
    transaction,
)


@dataclass(frozen=True)
class LoadOutcome:
    applied_parts: int
    skipped_parts: int


class StockLoader:
    def __init__(
        self,
        client: Any,
        inventory_table: str,
        idempotency_table: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._inventory_table = inventory_table
        self._idempotency_table = idempotency_table
        self._clock = clock

    def load(self, request: LoadRequest, rows: Sequence[Row]) -> LoadOutcome:
        """Apply every part not applied yet; raise on the first failure of any other kind.

        Parts applied before a failure stay applied (and marked), so the retry skips them and
        resumes where this attempt stopped.
        """
        applied = skipped = 0
        for number, part in enumerate(parts(rows)):
            marker = marker_id(request.import_id, request.index, number)
            expiration = int(self._clock()) + MARKER_TTL_SECONDS
            items = transaction(
                part, marker, expiration, self._inventory_table, self._idempotency_table
            )
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as error:
                if not already_applied(error.response):
                    raise
                skipped += 1
                continue
            applied += 1
        return LoadOutcome(applied_parts=applied, skipped_parts=skipped)
