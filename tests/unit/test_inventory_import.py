"""The inventory import's Lambdas (extract, load) on moto's S3 and DynamoDB, loaded cold.

Extract validates the whole file before anything is written to DynamoDB; load applies each
chunk exactly once. These tests drive both handlers as the state machine does, one event at a
time, including the retries and duplicate deliveries Step Functions and EventBridge produce.
"""

import importlib
import json
import time
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from devstack.inprocess_lambda import LambdaContext
from shared.errors import ConfigurationError, ImportFileRejected, ValidationError
from tests.unit.conftest import REGION, fresh_import

pytestmark = pytest.mark.unit

BUCKET = "unit-imports"
STATE_PAYLOAD_LIMIT = 256 * 1024
WEEK = 7 * 24 * 60 * 60

Event = dict[str, Any]


@pytest.fixture
def s3(aws: Any) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture
def inventory_table(make_table: Callable[[str, str], Any]) -> Any:
    return make_table("unit-inventory", "productId")


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, s3: Any, inventory_table: Any, idempotency_table: Any
) -> None:
    """The functions' environment, set before a handler module is imported (its cold start)."""
    for name, value in {
        "IMPORT_BUCKET_NAME": BUCKET,
        "INVENTORY_TABLE_NAME": inventory_table.name,
        "IDEMPOTENCY_TABLE_NAME": idempotency_table.name,
        "POWERTOOLS_SERVICE_NAME": "orders-unit",
        "POWERTOOLS_METRICS_NAMESPACE": "OrdersUnit",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def extract(environment: None) -> ModuleType:
    return fresh_import("inventory_extract.handler")


@pytest.fixture
def load(environment: None) -> ModuleType:
    return fresh_import("inventory_load.handler")


def csv(*rows: tuple[str, Any]) -> str:
    return "productId,quantity\n" + "".join(f"{p},{q}\n" for p, q in rows)


def upload(s3: Any, name: str, body: str | bytes) -> Event:
    """Put ``incoming/<name>`` and return the event the state machine would pass Extract."""
    data = body.encode() if isinstance(body, str) else body
    answer = s3.put_object(Bucket=BUCKET, Key=f"incoming/{name}", Body=data)
    return {
        "bucket": BUCKET,
        "object": {"key": f"incoming/{name}", "etag": answer["ETag"].strip('"')},
    }


def keys(s3: Any, prefix: str = "") -> set[str]:
    paginator = s3.get_paginator("list_objects_v2")
    return {
        item["Key"]
        for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix)
        for item in page.get("Contents", [])
    }


def read_json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def stock(table: Any) -> dict[str, int]:
    return {item["productId"]: int(item["quantity"]) for item in table.scan()["Items"]}


def small_parts(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Split chunks into parts of ``size`` rows instead of 99.

    moto deep-copies the tables for each action of a transaction, so 99-row parts on a
    growing table cost seconds each; the splitting logic is the same at any size.
    """
    stock_module = importlib.import_module("inventory_load.stock")
    monkeypatch.setattr(stock_module, "parts", partial(stock_module.parts, size=size))


def small_chunks(monkeypatch: pytest.MonkeyPatch, extract: ModuleType, size: int) -> None:
    """Write chunks of ``size`` products instead of 1,000 (see ``small_parts``)."""
    monkeypatch.setattr(extract, "chunks", partial(extract.chunks, size=size))


def load_event(extracted: Event, index: int = 0) -> Event:
    """One iteration of the Map, as its ItemSelector builds it."""
    chunk = extracted["chunks"][index]
    return {
        "bucket": extracted["bucket"],
        "importId": extracted["importId"],
        "key": chunk["key"],
        "index": chunk["index"],
    }


# --- extract: a valid file -------------------------------------------------------------------


def test_valid_file_is_summed_per_product_and_written_as_chunks(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext, inventory_table: Any
) -> None:
    event = upload(
        s3,
        "receipt.csv",
        csv(("MUG-LAMBDA", 10), ("STICKERS_10", 5), ("MUG-LAMBDA", 2), ("NEW-TEE-L", 7)),
    )

    result = extract.lambda_handler(event, lambda_context)

    import_id = result["importId"]
    assert len(import_id) == 16 and int(import_id, 16) >= 0
    assert result == {
        "importId": import_id,
        "bucket": BUCKET,
        "source": "incoming/receipt.csv",
        "rows": 4,
        "products": 3,
        "units": 24,
        "chunks": [{"key": f"work/{import_id}/chunk-00000.json", "index": 0}],
    }
    assert read_json(s3, f"work/{import_id}/chunk-00000.json") == [
        {"productId": "MUG-LAMBDA", "quantity": 12},
        {"productId": "STICKERS_10", "quantity": 5},
        {"productId": "NEW-TEE-L", "quantity": 7},
    ]
    assert "incoming/receipt.csv" in keys(s3, "incoming/"), "a good file stays where it was"
    assert keys(s3, "rejected/") == set()
    assert stock(inventory_table) == {}, "extract writes nothing to DynamoDB"


def test_the_same_upload_delivered_twice_gets_the_same_import_id_and_chunks(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "receipt.csv", csv(("MUG-LAMBDA", 3)))

    first = extract.lambda_handler(event, lambda_context)
    second = extract.lambda_handler(dict(event), lambda_context)

    assert second == first
    assert keys(s3, "work/") == {f"work/{first['importId']}/chunk-00000.json"}


def test_a_new_upload_under_the_same_name_is_another_import(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    first = extract.lambda_handler(upload(s3, "r.csv", csv(("MUG", 1))), lambda_context)
    second = extract.lambda_handler(upload(s3, "r.csv", csv(("MUG", 2))), lambda_context)

    assert second["importId"] != first["importId"]


def test_bom_crlf_surrounding_whitespace_and_trailing_blank_lines_are_accepted(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    body = "\ufeff  productId,quantity \r\nMUG,1\r\n TEE , 2\r\nMUG,3\r\n\r\n  \n\n"
    event = upload(s3, "bom.csv", body.encode("utf-8"))

    result = extract.lambda_handler(event, lambda_context)

    assert (result["rows"], result["products"], result["units"]) == (3, 2, 6)
    assert read_json(s3, result["chunks"][0]["key"]) == [
        {"productId": "MUG", "quantity": 4},
        {"productId": "TEE", "quantity": 2},
    ]


def test_quantities_at_the_limits_are_accepted(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "limits.csv", csv(("A" * 64, 1_000_000), ("b", 1), ("c", "007")))

    result = extract.lambda_handler(event, lambda_context)

    assert result["units"] == 1_000_008


# --- extract: rejected files -----------------------------------------------------------------


def assert_rejected(
    s3: Any, inventory_table: Any, idempotency_table: Any, name: str, body: bytes
) -> dict[str, Any]:
    """The file moved under rejected/ with its report, the original gone, nothing loaded."""
    assert keys(s3, "incoming/") == set()
    assert keys(s3, "rejected/") == {f"rejected/{name}", f"rejected/{name}.report.json"}
    assert s3.get_object(Bucket=BUCKET, Key=f"rejected/{name}")["Body"].read() == body
    assert keys(s3, "work/") == set()
    assert inventory_table.scan()["Items"] == []
    assert idempotency_table.scan()["Items"] == []
    report: dict[str, Any] = read_json(s3, f"rejected/{name}.report.json")
    assert set(report) == {"source", "badLineCount", "badLines", "rejectedAt"}
    assert report["source"] == f"incoming/{name}"
    return report


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("bad id!,3", "productId must be 1 to 64 letters"),
        ("A" * 65 + ",3", "productId must be 1 to 64 letters"),
        ("MUG,0", "quantity must be at least 1"),
        ("MUG,-2", "quantity must not be negative"),
        ("MUG,+2", "quantity must be written without a sign"),
        ("MUG,1.5", "quantity must be a whole number, not a decimal"),
        ("MUG,ten", "quantity is not a number"),
        ("MUG,1e3", "quantity is not a number"),
        ("MUG,1000001", "quantity must be at most 1000000"),
        ("MUG," + "9" * 5000, "quantity must be at most 1000000"),
        ("MUG", "expected 2 columns (productId,quantity), found 1"),
        ("MUG,", "quantity is missing"),
        ("MUG,1,2", "expected 2 columns (productId,quantity), found 3"),
        ("bad id!,-1", "productId must be 1 to 64 letters, digits, '_' or '-'; quantity must"),
    ],
    ids=lambda value: value if len(value) < 30 else value[:30],
)
def test_a_bad_line_rejects_the_whole_file_with_a_report(
    extract: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
    line: str,
    problem: str,
) -> None:
    body = f"productId,quantity\nGOOD-1,5\n{line}\nGOOD-2,1\n"
    event = upload(s3, "bad.csv", body)

    with pytest.raises(ImportFileRejected) as raised:
        extract.lambda_handler(event, lambda_context)

    assert str(raised.value) == "1 bad line(s); see the report rejected/bad.csv.report.json"
    assert raised.value.report_key == "rejected/bad.csv.report.json"
    report = assert_rejected(s3, inventory_table, idempotency_table, "bad.csv", body.encode())
    assert report["badLineCount"] == 1
    [bad] = report["badLines"]
    assert bad["line"] == 3
    assert bad["text"] == line[:200]
    assert bad["problem"].startswith(problem)


def test_every_bad_line_is_reported_with_its_number(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(
        s3, "bad.csv", csv(("MUG", 10), ("bad id!", 3), ("STICKERS-10", -2), ("BOOK", "1.5"))
    )

    with pytest.raises(ImportFileRejected, match=r"^3 bad line"):
        extract.lambda_handler(event, lambda_context)

    report = read_json(s3, "rejected/bad.csv.report.json")
    assert [line["line"] for line in report["badLines"]] == [3, 4, 5]


def test_a_blank_line_between_rows_is_a_bad_line(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "gap.csv", "productId,quantity\nMUG,1\n\n  \nTEE,2\n\n")

    with pytest.raises(ImportFileRejected, match=r"^2 bad line"):
        extract.lambda_handler(event, lambda_context)

    report = read_json(s3, "rejected/gap.csv.report.json")
    assert [(line["line"], line["problem"]) for line in report["badLines"]] == [
        (3, "blank line between rows"),
        (4, "blank line between rows"),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"productId,qty\nMUG,1\n", [(1, "productId,qty", "expected the header")]),
        (b"MUG,1\nTEE,2\n", [(1, "MUG,1", "expected the header")]),
        (
            b"quantity,productId\n1,MUG\n",
            [(1, "quantity,productId", "expected the header"), (2, "1,MUG", "quantity is not")],
        ),
        (b"", [(1, "", "the file is empty")]),
        (b"productId,quantity\n", [(2, "", "no data rows")]),
        (b"productId,quantity\n\n\n", [(2, "", "no data rows")]),
        (b"\n\n", [(1, "", "expected the header"), (2, "", "no data rows")]),
    ],
    ids=[
        "other header",
        "no header",
        "columns swapped",
        "empty",
        "header only",
        "blank rows",
        "blank",
    ],
)
def test_a_wrong_header_or_no_rows_rejects_the_file(
    extract: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
    body: bytes,
    expected: list[tuple[int, str, str]],
) -> None:
    event = upload(s3, "odd.csv", body)

    with pytest.raises(ImportFileRejected):
        extract.lambda_handler(event, lambda_context)

    report = assert_rejected(s3, inventory_table, idempotency_table, "odd.csv", body)
    assert report["badLineCount"] == len(expected)
    found = [(line["line"], line["text"], line["problem"]) for line in report["badLines"]]
    assert [(n, text) for n, text, _ in found] == [(n, text) for n, text, _ in expected]
    for (_, _, problem), (_, _, start) in zip(found, expected, strict=True):
        assert problem.startswith(start)


def test_a_file_that_is_not_utf8_is_rejected_naming_its_lines(
    extract: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
) -> None:
    body = "productId,quantity\nCAFÉ,1\nMUG,2\nCRÈME,3\n".encode("latin-1")
    event = upload(s3, "latin1.csv", body)

    with pytest.raises(ImportFileRejected, match=r"^2 bad line"):
        extract.lambda_handler(event, lambda_context)

    report = assert_rejected(s3, inventory_table, idempotency_table, "latin1.csv", body)
    assert [(line["line"], line["problem"]) for line in report["badLines"]] == [
        (2, "not UTF-8 text"),
        (4, "not UTF-8 text"),
    ]
    assert report["badLines"][0]["text"] == "CAF\ufffd,1"


def test_a_utf16_file_is_rejected_at_its_header(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "utf16.csv", csv(("MUG", 1)).encode("utf-16"))

    with pytest.raises(ImportFileRejected):
        extract.lambda_handler(event, lambda_context)

    report = read_json(s3, "rejected/utf16.csv.report.json")
    assert report["badLines"][0]["line"] == 1


def test_the_report_keeps_the_first_1000_bad_lines_but_counts_them_all(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    long_line = "X" * 500 + ",1"
    body = "productId,quantity\n" + long_line + "\n" + "MUG,0\n" * 1500
    event = upload(s3, "many.csv", body)

    with pytest.raises(ImportFileRejected, match=r"^1501 bad line"):
        extract.lambda_handler(event, lambda_context)

    report = read_json(s3, "rejected/many.csv.report.json")
    assert report["badLineCount"] == 1501
    assert len(report["badLines"]) == 1000
    assert report["badLines"][0]["text"] == long_line[:200]
    assert report["badLines"][-1]["line"] == 1001


def test_a_retry_after_the_rejection_is_rejected_again(
    extract: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
) -> None:
    body = csv(("MUG", 1), ("MUG", 0))
    event = upload(s3, "again.csv", body)
    with pytest.raises(ImportFileRejected):
        extract.lambda_handler(event, lambda_context)
    report = read_json(s3, "rejected/again.csv.report.json")

    with pytest.raises(ImportFileRejected) as raised:
        extract.lambda_handler(event, lambda_context)

    assert str(raised.value) == "1 bad line(s); see the report rejected/again.csv.report.json"
    assert read_json(s3, "rejected/again.csv.report.json") == report, "left as it was"
    assert_rejected(s3, inventory_table, idempotency_table, "again.csv", body.encode())


def test_a_retry_interrupted_before_the_delete_redoes_the_rejection(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = upload(s3, "half.csv", csv(("MUG", 0)))
    client = extract.files._s3

    def crash(**kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "DeleteObject")

    monkeypatch.setattr(client, "delete_object", crash)
    with pytest.raises(ClientError):
        extract.lambda_handler(event, lambda_context)
    assert "incoming/half.csv" in keys(s3, "incoming/")
    monkeypatch.undo()

    with pytest.raises(ImportFileRejected):
        extract.lambda_handler(event, lambda_context)

    assert keys(s3) == {"rejected/half.csv", "rejected/half.csv.report.json"}


def test_a_missing_file_that_was_never_rejected_is_a_validation_error(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = {"bucket": BUCKET, "object": {"key": "incoming/ghost.csv", "etag": "abc"}}

    with pytest.raises(ValidationError, match="does not exist and was never rejected"):
        extract.lambda_handler(event, lambda_context)


# --- extract: which object is read -----------------------------------------------------------


def test_an_event_for_another_bucket_is_refused_before_touching_it(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    s3.create_bucket(Bucket="elsewhere", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="elsewhere", Key="incoming/r.csv", Body=b"productId,quantity\nMUG,0\n")
    event = {"bucket": "elsewhere", "object": {"key": "incoming/r.csv", "etag": "abc"}}

    with pytest.raises(ValidationError, match=r"^bucket: not the import bucket unit-imports"):
        extract.lambda_handler(event, lambda_context)

    listed = s3.list_objects_v2(Bucket="elsewhere")["Contents"]
    assert [item["Key"] for item in listed] == ["incoming/r.csv"]
    assert keys(s3) == set()


@pytest.mark.parametrize(
    "key", ["archive/r.csv", "rejected/r.csv", "work/r.csv", "incoming/", "r.csv", 7, None]
)
def test_a_key_outside_incoming_is_refused(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext, key: Any
) -> None:
    s3.put_object(Bucket=BUCKET, Key="archive/r.csv", Body=b"productId,quantity\nMUG,0\n")

    event = {"bucket": BUCKET, "object": {"key": key, "etag": "abc"}}
    with pytest.raises(ValidationError, match=r"^object.key: "):
        extract.lambda_handler(event, lambda_context)

    assert keys(s3) == {"archive/r.csv"}


def test_an_event_without_etag_or_version_is_refused(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "r.csv", csv(("MUG", 1)))
    del event["object"]["etag"]

    with pytest.raises(ValidationError, match=r"^object.etag: "):
        extract.lambda_handler(event, lambda_context)


def test_a_file_overwritten_since_its_event_is_not_read_in_its_place(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = upload(s3, "r.csv", csv(("MUG", 1)))
    upload(s3, "r.csv", csv(("MUG", 2)))

    with pytest.raises(ClientError, match="PreconditionFailed"):
        extract.lambda_handler(event, lambda_context)

    assert keys(s3, "work/") == set()


def test_with_a_version_id_the_version_the_event_names_is_read(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="incoming/v.csv", Body=csv(("MUG", 1)).encode())
    s3.put_object(Bucket=BUCKET, Key="incoming/v.csv", Body=csv(("MUG", 2)).encode())
    event = {
        "bucket": BUCKET,
        "object": {"key": "incoming/v.csv", "version-id": first["VersionId"]},
    }

    result = extract.lambda_handler(event, lambda_context)

    assert read_json(s3, result["chunks"][0]["key"]) == [{"productId": "MUG", "quantity": 1}]


def test_with_a_version_id_a_bad_file_is_rejected_and_stays_rejected_on_retry(
    extract: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    body = csv(("MUG", "1.5")).encode()
    version = s3.put_object(Bucket=BUCKET, Key="incoming/v.csv", Body=body)["VersionId"]
    event = {"bucket": BUCKET, "object": {"key": "incoming/v.csv", "version-id": version}}

    for _ in range(2):  # the version outlives the delete, so the retry redoes the rejection
        with pytest.raises(ImportFileRejected, match=r"^1 bad line"):
            extract.lambda_handler(event, lambda_context)

    assert_rejected(s3, inventory_table, idempotency_table, "v.csv", body)


# --- load ------------------------------------------------------------------------------------


def test_load_adds_quantities_to_existing_and_new_products(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
) -> None:
    inventory_table.put_item(Item={"productId": "MUG-LAMBDA", "quantity": 3, "name": "Mug"})
    inventory_table.put_item(Item={"productId": "UNTOUCHED", "quantity": 9})
    extracted = extract.lambda_handler(
        upload(s3, "r.csv", csv(("MUG-LAMBDA", 10), ("NEW-TEE-L", 7), ("MUG-LAMBDA", 2))),
        lambda_context,
    )

    result = load.lambda_handler(load_event(extracted), lambda_context)

    assert result == {
        "importId": extracted["importId"],
        "index": 0,
        "appliedParts": 1,
        "skippedParts": 0,
        "products": 2,
        "units": 19,
    }
    assert stock(inventory_table) == {"MUG-LAMBDA": 15, "NEW-TEE-L": 7, "UNTOUCHED": 9}
    mug = inventory_table.get_item(Key={"productId": "MUG-LAMBDA"})["Item"]
    assert mug["name"] == "Mug", "only quantity changes"
    [marker] = idempotency_table.scan()["Items"]
    assert marker["id"] == f"import#{extracted['importId']}#0#0"
    assert abs(int(marker["expiration"]) - (time.time() + WEEK)) < 60


def test_loading_the_same_chunk_twice_changes_nothing_the_second_time(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small_parts(monkeypatch, 4)
    rows = [(f"P-{n:02d}", n % 5 + 1) for n in range(10)]
    extracted = extract.lambda_handler(upload(s3, "r.csv", csv(*rows)), lambda_context)
    first = load.lambda_handler(load_event(extracted), lambda_context)
    after_first = stock(inventory_table)

    second = load.lambda_handler(load_event(extracted), lambda_context)

    assert (first["appliedParts"], first["skippedParts"]) == (3, 0), "4 + 4 + 2 rows"
    assert (second["appliedParts"], second["skippedParts"]) == (0, 3)
    assert (second["products"], second["units"]) == (first["products"], first["units"])
    assert stock(inventory_table) == after_first == dict(rows)
    assert len(idempotency_table.scan()["Items"]) == 3


def fail_call(
    monkeypatch: pytest.MonkeyPatch, client: Any, number: int, error: ClientError
) -> list[int]:
    """Make the ``number``-th transact_write_items call raise ``error``; count the calls."""
    real = client.transact_write_items
    calls: list[int] = []

    def flaky(**kwargs: Any) -> Any:
        calls.append(len(kwargs["TransactItems"]))
        if len(calls) == number:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", flaky)
    return calls


def test_a_part_failing_otherwise_propagates_and_the_retry_applies_it_once(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [(f"P-{n:04d}", 2) for n in range(120)]
    extracted = extract.lambda_handler(upload(s3, "r.csv", csv(*rows)), lambda_context)
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "TransactWriteItems",
    )
    calls = fail_call(monkeypatch, load.dynamodb, 2, throttled)

    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        load.lambda_handler(load_event(extracted), lambda_context)
    assert calls == [100, 22], "each part is one transaction: its marker and up to 99 rows"
    assert sum(stock(inventory_table).values()) == 99 * 2, "the first part stays applied"

    retried = load.lambda_handler(load_event(extracted), lambda_context)

    assert (retried["appliedParts"], retried["skippedParts"]) == (1, 1)
    assert stock(inventory_table) == dict(rows)


@pytest.mark.parametrize(
    "codes",
    [
        ["ConditionalCheckFailed", "TransactionConflict"],
        ["None", "TransactionConflict"],
        ["ConditionalCheckFailed", "ValidationError"],
        [],
    ],
)
def test_a_cancellation_for_any_other_reason_propagates(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    monkeypatch: pytest.MonkeyPatch,
    codes: list[str],
) -> None:
    extracted = extract.lambda_handler(upload(s3, "r.csv", csv(("MUG", 1))), lambda_context)
    cancelled = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )
    fail_call(monkeypatch, load.dynamodb, 1, cancelled)

    with pytest.raises(ClientError, match="TransactionCanceled"):
        load.lambda_handler(load_event(extracted), lambda_context)

    assert stock(inventory_table) == {}


def test_a_row_dynamodb_refuses_fails_its_part_and_writes_no_marker(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    idempotency_table: Any,
) -> None:
    inventory_table.put_item(Item={"productId": "MUG", "quantity": "lots"})
    extracted = extract.lambda_handler(
        upload(s3, "r.csv", csv(("TEE", 1), ("MUG", 1))), lambda_context
    )

    with pytest.raises(ClientError):
        load.lambda_handler(load_event(extracted), lambda_context)

    [item] = inventory_table.scan()["Items"]
    assert item == {"productId": "MUG", "quantity": "lots"}
    assert idempotency_table.scan()["Items"] == []


def test_a_whole_file_extracted_then_loaded_chunk_by_chunk_adds_each_product_once(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small_chunks(monkeypatch, extract, 10)
    small_parts(monkeypatch, 4)
    inventory_table.put_item(Item={"productId": "P-00", "quantity": 100})
    rows = [(f"P-{n:02d}", n % 3 + 1) for n in range(25)] + [("P-00", 4), ("P-24", 1)]
    extracted = extract.lambda_handler(upload(s3, "r.csv", csv(*rows)), lambda_context)
    assert [c["index"] for c in extracted["chunks"]] == [0, 1, 2]

    results = [load.lambda_handler(load_event(extracted, i), lambda_context) for i in range(3)]

    assert [r["products"] for r in results] == [10, 10, 5]
    assert [r["appliedParts"] for r in results] == [3, 3, 2]
    assert sum(r["units"] for r in results) == extracted["units"] == sum(q for _, q in rows)
    levels = stock(inventory_table)
    assert len(levels) == 25
    assert (levels["P-00"], levels["P-01"], levels["P-24"]) == (100 + 1 + 4, 2, 1 + 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bucket": "elsewhere"}, "bucket"),
        ({"importId": "../../etc"}, "importId"),
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"index": 1}, "key"),
        ({"key": "incoming/r.csv"}, "key"),
    ],
)
def test_load_refuses_a_request_that_does_not_name_its_own_chunk(
    extract: ModuleType,
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    change: Event,
    field: str,
) -> None:
    extracted = extract.lambda_handler(upload(s3, "r.csv", csv(("MUG", 1))), lambda_context)

    with pytest.raises(ValidationError, match=rf"^{field}: "):
        load.lambda_handler({**load_event(extracted), **change}, lambda_context)

    assert stock(inventory_table) == {}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"not json", "chunk"),
        (b"[]", "chunk"),
        (b'{"productId": "MUG"}', "chunk"),
        (b'[{"productId": "MUG", "quantity": 1}, {"productId": "MUG", "quantity": 2}]', "chunk"),
        (b'[{"productId": "bad id", "quantity": 1}]', "chunk"),
        (b'[{"productId": "MUG", "quantity": 0}]', "chunk"),
        (b'[{"productId": "MUG", "quantity": "1"}]', "chunk"),
    ],
    ids=["not json", "empty", "object", "repeated", "bad id", "zero", "string"],
)
def test_load_refuses_a_chunk_the_extract_would_not_write(
    load: ModuleType,
    s3: Any,
    lambda_context: LambdaContext,
    inventory_table: Any,
    content: bytes,
    field: str,
) -> None:
    import_id = "0123456789abcdef"
    key = f"work/{import_id}/chunk-00000.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=content)
    event = {"bucket": BUCKET, "importId": import_id, "key": key, "index": 0}

    with pytest.raises(ValidationError, match=rf"^{field}"):
        load.lambda_handler(event, lambda_context)

    assert stock(inventory_table) == {}


# --- size, and configuration -----------------------------------------------------------------


def test_100000_products_make_100_chunks_and_a_result_far_below_the_state_limit(
    extract: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    rows = [(f"BULK-{n:06d}", 1 + n % 7) for n in range(100_000)]
    event = upload(s3, "bulk.csv", csv(*rows))

    result = extract.lambda_handler(event, lambda_context)

    assert (result["rows"], result["products"]) == (100_000, 100_000)
    assert result["units"] == sum(q for _, q in rows)
    assert [c["index"] for c in result["chunks"]] == list(range(100))
    assert len(keys(s3, "work/")) == 100
    assert len(json.dumps(result).encode()) < STATE_PAYLOAD_LIMIT // 16
    last = read_json(s3, result["chunks"][-1]["key"])
    assert len(last) == 1000
    assert last[-1] == {"productId": "BULK-099999", "quantity": 1 + 99_999 % 7}


@pytest.mark.parametrize(
    ("module", "missing"),
    [
        ("inventory_extract.handler", ["IMPORT_BUCKET_NAME"]),
        ("inventory_load.handler", ["INVENTORY_TABLE_NAME", "IDEMPOTENCY_TABLE_NAME"]),
    ],
)
def test_handler_without_its_environment_fails_at_cold_start_naming_it(
    environment: None, monkeypatch: pytest.MonkeyPatch, module: str, missing: list[str]
) -> None:
    for name in missing:
        monkeypatch.delenv(name)

    with pytest.raises(ConfigurationError, match=", ".join(missing)):
        fresh_import(module)
