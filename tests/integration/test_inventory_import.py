"""Inventory import on the locally deployed stack: an upload under incoming/ -> S3's
EventBridge notification -> the rule on the default bus -> the Standard workflow, as
``make import`` drives it."""

import json
from typing import Any

import pytest

from devstack.asl_history import (
    HISTORY_EVENT_LIMIT,
    STATE_PAYLOAD_LIMIT_BYTES,
    largest_payload_bytes,
)
from devstack.executions import read_history
from devstack.imports import find_execution, upload, wait_until_done
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration


def run_import(local_api: LocalApi, name: str, text: str) -> dict[str, Any]:
    sfn = local_api.client("stepfunctions")
    uploaded = upload(
        local_api.client("s3"), local_api.outputs.buckets["imports"], name, text.encode()
    )
    started = find_execution(
        sfn, local_api.outputs.state_machines["inventory_import"], uploaded, timeout_s=30
    )
    return wait_until_done(sfn, started["executionArn"], timeout_s=300)


def test_uploaded_file_adds_to_stock(local_api: LocalApi) -> None:
    before = local_api.stock("BOOK-ASL-101")

    done = run_import(local_api, "it-receipt.csv", "productId,quantity\nBOOK-ASL-101,6\n")

    assert done["status"] == "SUCCEEDED", done
    assert local_api.stock("BOOK-ASL-101") == before + 6


def test_broken_file_is_rejected_with_its_report_and_changes_nothing(local_api: LocalApi) -> None:
    before = local_api.stock("BOOK-ASL-101")
    s3, bucket = local_api.client("s3"), local_api.outputs.buckets["imports"]

    done = run_import(local_api, "it-broken.csv", "productId,quantity\nBOOK-ASL-101,ten\n")

    assert done["status"] == "FAILED"
    assert done["error"] == "ImportFileRejected"
    assert local_api.stock("BOOK-ASL-101") == before
    report = json.loads(
        s3.get_object(Bucket=bucket, Key="rejected/it-broken.csv.report.json")["Body"].read()
    )
    assert [line["line"] for line in report["badLines"]] == [2]


def test_a_file_of_100000_rows_imports_within_the_payload_and_history_limits(
    local_api: LocalApi,
) -> None:
    rows = [(f"BULK-{n:06d}", 1 + n % 7) for n in range(100_000)]
    text = "productId,quantity\n" + "".join(f"{p},{q}\n" for p, q in rows)

    done = run_import(local_api, "it-bulk-100k.csv", text)

    assert done["status"] == "SUCCEEDED", done
    history = read_history(local_api.client("stepfunctions"), done["executionArn"])
    assert len(history) < HISTORY_EVENT_LIMIT
    largest = largest_payload_bytes(history)
    assert largest < STATE_PAYLOAD_LIMIT_BYTES
    print(f"\n100,000 rows on MiniStack: {len(history)} history events, largest {largest} bytes")
    assert len(json.loads(done["output"])["extract"]["chunks"]) == 100
    for product, quantity in (rows[0], rows[49_999], rows[-1]):
        assert local_api.stock(product) == quantity
