"""Count the billable AWS requests the workflows make on the embedded emulator.

``make cost`` prices what the workflows really do, so it needs the requests they send, not a
guess from reading the code. Everything that calls AWS here (the state machine interpreter's
service integrations, the handlers' boto3 clients) goes through moto's botocore stubber; the
meter wraps it and records each request's service, operation and, for DynamoDB, what the
request reads or writes. Requests from clients handed to :meth:`Meter.exclude` (the test
harness polling executions, seeding stock) are marked with a header and not counted.

Two deliveries happen inside moto without an API request, and are counted where moto makes
them: a message added to an SQS queue (by SendMessage, an SNS subscription or an EventBridge
target alike) and an S3 object event sent to EventBridge (created or removed objects only:
moto adds tagging and ACL events to every upload that AWS would not send for these requests).
"""

import contextlib
import json
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

from moto.core.botocore_stubber import BotocoreStubber
from moto.s3 import notifications as s3_notifications
from moto.sqs.models import SQSBackend

UNMETERED_HEADER = "x-devstack-unmetered"
# The object events a request here causes. moto follows every PutObject with tagging and
# ACL events of its own; no request here sets tags or ACLs, so AWS would send neither.
S3_REQUEST_EVENTS = ("s3:ObjectCreated:", "s3:ObjectRemoved:")
WRITE_UNIT_BYTES = 1024  # a write request unit covers an item of up to 1 KB
READ_UNIT_BYTES = 4096  # a read request unit covers an item of up to 4 KB

_DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
_DYNAMODB_READS = ("GetItem",)


@dataclass(frozen=True)
class DynamoRequest:
    """One item read or written, as DynamoDB bills it before item size is applied."""

    table: str
    write: bool
    transactional: bool = False
    consistent: bool = False

    def units(self, item_bytes: int) -> float:
        """Request units for an item of ``item_bytes`` (DynamoDB on-demand rules)."""
        if self.write:
            units = float(math.ceil(max(item_bytes, 1) / WRITE_UNIT_BYTES))
            return units * 2 if self.transactional else units
        units = float(math.ceil(max(item_bytes, 1) / READ_UNIT_BYTES))
        if self.transactional:
            return units * 2
        return units if self.consistent else units / 2


@dataclass
class Usage:
    """What one run used: API requests by (service, operation), and their details."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    dynamodb: list[DynamoRequest] = field(default_factory=list)
    unpriced_dynamodb: Counter[str] = field(default_factory=Counter)  # Query, Scan, ...
    custom_events: int = 0  # PutEvents entries
    sqs_messages: Counter[str] = field(default_factory=Counter)  # by queue name
    s3_events_to_eventbridge: int = 0

    def count(self, service: str, *operations: str) -> int:
        return sum(n for (s, o), n in self.calls.items() if s == service and o in operations)


def _dynamodb_requests(operation: str, body: Mapping[str, Any]) -> list[DynamoRequest]:
    """The items a DynamoDB request reads or writes (Query and Scan are not priced here)."""
    if operation in (*_DYNAMODB_WRITES, *_DYNAMODB_READS):
        write = operation in _DYNAMODB_WRITES
        consistent = bool(body.get("ConsistentRead"))
        return [DynamoRequest(body["TableName"], write=write, consistent=consistent)]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        write = operation == "TransactWriteItems"
        return [
            DynamoRequest(next(iter(action.values()))["TableName"], write, transactional=True)
            for action in body["TransactItems"]
        ]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        write = operation == "BatchWriteItem"
        return [
            DynamoRequest(table, write, consistent=not write and bool(spec.get("ConsistentRead")))
            for table, spec in body["RequestItems"].items()
            for _ in (spec if write else spec["Keys"])
        ]
    return []


def _body(request: Any) -> dict[str, Any]:
    raw = request.body
    if not raw:
        return {}
    parsed: dict[str, Any] = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return parsed


class Meter:
    def __init__(self) -> None:
        self.usage = Usage()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.usage = Usage()

    def snapshot(self) -> Usage:
        """What was counted since the last reset (and starts a new count)."""
        with self._lock:
            taken, self.usage = self.usage, Usage()
        return taken

    @staticmethod
    def exclude(client: Any) -> Any:
        """Leave this client's requests out of the count (harness calls, not the workflow's)."""

        def mark(request: Any, **_: Any) -> None:
            request.headers[UNMETERED_HEADER] = "1"

        client.meta.events.register("before-sign", mark, unique_id=UNMETERED_HEADER)
        return client

    def _record(self, event_name: str, request: Any) -> None:
        if request.headers.get(UNMETERED_HEADER):
            return
        _, service, operation = event_name.split(".", 2)
        body: dict[str, Any] = {}
        if service in ("dynamodb", "eventbridge"):
            body = _body(request)
        with self._lock:
            usage = self.usage
            if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
                return  # counted per message where moto adds it to the queue
            usage.calls[(service, operation)] += 1
            if service == "dynamodb":
                requests = _dynamodb_requests(operation, body)
                usage.dynamodb.extend(requests)
                if not requests:
                    usage.unpriced_dynamodb[operation] += 1
            elif service == "eventbridge" and operation == "PutEvents":
                usage.custom_events += len(body.get("Entries", []))

    def _message_added(self, queue_name: str) -> None:
        with self._lock:
            self.usage.sqs_messages[queue_name] += 1

    def _s3_event(self) -> None:
        with self._lock:
            self.usage.s3_events_to_eventbridge += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator["Meter"]:
        """Count while this context is open (moto must already be started)."""
        meter = self
        stubber_call = BotocoreStubber.__call__
        send_message = SQSBackend.send_message
        to_eventbridge = s3_notifications._send_event_bridge_message

        def call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            if self.enabled:
                meter._record(event_name, request)
            return stubber_call(self, event_name, request, **kwargs)

        def message(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            meter._message_added(queue_name)
            return send_message(self, queue_name, *args, **kwargs)

        def s3_event(account_id: str, bucket: Any, event_name: Any, key: Any) -> None:
            if str(getattr(event_name, "value", event_name)).startswith(S3_REQUEST_EVENTS):
                meter._s3_event()
            to_eventbridge(account_id, bucket, event_name, key)

        with (
            mock.patch.object(BotocoreStubber, "__call__", call),
            mock.patch.object(SQSBackend, "send_message", message),
            mock.patch.object(s3_notifications, "_send_event_bridge_message", s3_event),
        ):
            yield self


def item_bytes(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it (low-level attribute values).

    Names and strings count their UTF-8 bytes, binaries their length, numbers about one byte
    per two significant digits plus one, booleans and nulls one byte, and lists and maps three
    bytes plus one per element (DynamoDB developer guide, "Item sizes and formats").
    """
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _number_bytes(text: Any) -> int:
    digits = Decimal(str(text)).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


_SCALAR_BYTES: dict[str, Callable[[Any], int]] = {
    "S": lambda text: len(str(text).encode()),
    "N": _number_bytes,
    "B": len,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
}


def _value_bytes(value: Mapping[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind in _SCALAR_BYTES:
        return _SCALAR_BYTES[kind](inner)
    if kind in ("SS", "NS", "BS"):
        return sum(_SCALAR_BYTES[kind[0]](element) for element in inner)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")
