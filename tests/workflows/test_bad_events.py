"""Bad input straight to every Lambda, and malformed CSV files to the import's Extract step.

Each function is invoked through the Lambda API of the embedded emulator (as a state machine,
a queue or a stream would invoke it) with events of the wrong shape. Each fails with an
error naming the problem and leaves every table, queue and bucket as it was. A malformed CSV
is refused with a report naming the line and the problem, and no stock changes; its move
under rejected/ with the report is what the import promises, so only that may change in the
bucket.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack
from devstack.imports import upload
from devstack.stack import FUNCTIONS, Naming
from tests import stack_snapshot

# ruff: noqa: E501 - the tables read best one case per line

pytestmark = pytest.mark.workflow

ORDER_SHAPE = {
    "orderId": "bad-event-1",
    "customer": {"customerId": "c-1", "email": "ada@example.com"},
    "payment": {"processor": "stripe", "token": "tok_visa"},
}
CHARGE = {"orderId": "bad-event-2", "processor": "stripe", "token": "tok_visa", "currency": "GBP"}

# (function, event, errorType, what errorMessage must say)
LAMBDA_CASES: list[tuple[str, Any, str, str]] = [
    ("validate_order", {}, "ValidationError", "orderId: required"),
    ("validate_order", "an order", "ValidationError", "body: must be a JSON object"),
    ("validate_order", {"orderId": 5}, "ValidationError", "orderId: required"),
    ("validate_order", {**ORDER_SHAPE, "items": "MUG-LAMBDA"}, "ValidationError", "items: required, a non-empty list"),
    ("validate_order", {**ORDER_SHAPE, "items": [{"productId": "MUG-LAMBDA", "quantity": -1, "unitPrice": 1299}]}, "ValidationError", "items[0].quantity"),
    ("validate_order", {**ORDER_SHAPE, "items": [{"productId": "MUG-LAMBDA", "quantity": 10**9, "unitPrice": 1299}]}, "ValidationError", "items[0].quantity"),
    ("validate_order", {**ORDER_SHAPE, "items": [{"productId": "MUG\u0000", "quantity": 1, "unitPrice": 1299}]}, "ValidationError", "items[0].productId"),
    ("process_payment", {}, "ValidationError", "orderId: required"),
    ("process_payment", {**CHARGE, "amount": -5}, "ValidationError", "amount: a positive whole number"),
    ("process_payment", {**CHARGE, "amount": "ten"}, "ValidationError", "amount: a positive whole number"),
    ("process_payment", {**CHARGE, "amount": 5, "processor": "bitcoin"}, "ValidationError", "processor: must be one of stripe, paypal, applepay"),
    ("refund_payment", {}, "ValidationError", "paymentId: required"),
    ("refund_payment", {"paymentId": 3}, "ValidationError", "paymentId: required"),
    ("shipping_label", {}, "ValidationError", "orderId: required"),
    ("shipping_label", {"orderId": "bad-event-3", "items": "x"}, "ValidationError", "items: required, a non-empty list"),
    ("inventory_extract", {}, "ValidationError", "bucket: required"),
    ("inventory_extract", {"bucket": 1, "object": {}}, "ValidationError", "bucket: required"),
    ("inventory_load", {}, "ValidationError", "bucket: must be the import bucket"),
    ("risk_screening", {}, "UnexpectedBatchTypeError", "Unexpected batch event type"),
    ("risk_screening", {"Records": [{"messageId": "m1", "body": "not json"}]}, "BatchProcessingError", "All records failed processing"),
    ("notifier", {}, "UnexpectedBatchTypeError", "Unexpected batch event type"),
    ("notifier", {"Records": [{"messageId": "m1", "body": "{\"Message\": 7}"}]}, "BatchProcessingError", "All records failed processing"),
    ("order_stream", {}, "UnexpectedBatchTypeError", "Unexpected batch event type"),
    ("order_stream", {"Records": [{"eventID": "e1", "eventName": "MODIFY", "dynamodb": {}}]}, "BatchProcessingError", "All records failed processing"),
]  # fmt: skip

# (case, file bytes, the first bad line, what its problem must say)
CSV_CASES: list[tuple[str, bytes, int, str]] = [
    ("wrong header", b"sku,qty\nMUG-LAMBDA,1\n", 1, "expected the header productId,quantity"),
    ("empty file", b"", 1, "the file is empty"),
    ("header only", b"productId,quantity\n", 2, "no data rows"),
    ("missing column", b"productId,quantity\nMUG-LAMBDA\n", 2, "expected 2 columns"),
    ("extra column", b"productId,quantity\nMUG-LAMBDA,1,9\n", 2, "expected 2 columns"),
    ("quantity not a number", b"productId,quantity\nMUG-LAMBDA,ten\n", 2, "quantity is not a number"),
    ("negative quantity", b"productId,quantity\nMUG-LAMBDA,-4\n", 2, "quantity"),
    ("huge quantity", b"productId,quantity\nMUG-LAMBDA,99999999999999999999\n", 2, "quantity must be at most"),
    ("control character", b"productId,quantity\nMUG\x00,1\n", 2, "productId must be"),
    ("unicode product id", "productId,quantity\nMÜG,1\n".encode(), 2, "productId must be"),
    ("not UTF-8", b"productId,quantity\nMUG\xff,1\n", 2, "not UTF-8 text"),
    ("good rows then a bad one", b"productId,quantity\nMUG-LAMBDA,1\nSTICKERS-10,1.5\n", 3, "quantity"),
]  # fmt: skip


def snapshot(stack: EmbeddedStack, bucket_prefix: str = "") -> dict[str, Any]:
    return stack_snapshot.snapshot(stack.aws.client, stack.outputs, bucket_prefix)


@contextmanager
def import_rule_disabled(stack: EmbeddedStack) -> Iterator[None]:
    events, rule = stack.aws.client("events"), Naming().name("import-inventory-files")
    events.disable_rule(Name=rule)  # on the default bus, where S3 sends its events
    try:
        yield
    finally:
        events.enable_rule(Name=rule)


def invoke(stack: EmbeddedStack, function: str, event: Any) -> dict[str, Any]:
    answer = stack.aws.client("lambda").invoke(
        FunctionName=Naming().name(function), Payload=json.dumps(event)
    )
    payload: dict[str, Any] = json.loads(answer["Payload"].read())
    assert answer.get("FunctionError"), f"{function} accepted {event!r}: {payload}"
    return payload


def test_every_function_has_bad_events_in_the_table() -> None:
    assert {function.key for function in FUNCTIONS} == {case[0] for case in LAMBDA_CASES}


@pytest.mark.parametrize(
    ("function", "event", "error_type", "message"),
    LAMBDA_CASES,
    ids=[f"{case[0]}-{n}" for n, case in enumerate(LAMBDA_CASES)],
)
def test_a_bad_event_fails_naming_the_problem_and_changes_nothing(
    stack: EmbeddedStack, function: str, event: Any, error_type: str, message: str
) -> None:
    before = snapshot(stack)

    error = invoke(stack, function, event)

    assert error["errorType"] == error_type, error
    assert message in error["errorMessage"], error["errorMessage"]
    assert snapshot(stack) == before


@pytest.mark.parametrize(
    ("case", "content", "line", "problem"), CSV_CASES, ids=[case[0] for case in CSV_CASES]
)
def test_a_malformed_csv_is_refused_naming_the_line_and_no_stock_changes(
    stack: EmbeddedStack, case: str, content: bytes, line: int, problem: str
) -> None:
    s3, bucket = stack.aws.client("s3"), stack.outputs.buckets["imports"]
    name = f"bad-{case.replace(' ', '-')}.csv"
    with import_rule_disabled(stack):  # Extract is invoked by hand here, not by the workflow
        uploaded = upload(s3, bucket, name, content)
    before = snapshot(stack, bucket_prefix="incoming/")

    error = invoke(
        stack,
        "inventory_extract",
        {"bucket": bucket, "object": {"key": uploaded.key, "etag": uploaded.etag}},
    )

    assert error["errorType"] == "ImportFileRejected", error
    assert f"rejected/{name}.report.json" in error["errorMessage"]
    report = json.loads(
        s3.get_object(Bucket=bucket, Key=f"rejected/{name}.report.json")["Body"].read()
    )
    first = report["badLines"][0]
    assert (first["line"], problem in first["problem"]) == (line, True), report
    after = snapshot(stack, bucket_prefix="incoming/")
    assert after["tables"] == before["tables"]
    assert after["queues"] == before["queues"]
    assert after["buckets"]["imports"] == [
        entry for entry in before["buckets"]["imports"] if entry[0] != uploaded.key
    ], "only the file left incoming/, for rejected/"
