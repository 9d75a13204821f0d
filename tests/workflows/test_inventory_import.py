"""Inventory import (Standard): a CSV under incoming/ -> S3 EventBridge notification -> rule
-> Extract (validate, write chunks) -> Map over chunks: Load -> SNS.

Uploads go through the real bucket notification and the rule's pattern file
(terraform/events/inventory_file_uploaded.json), so a file outside incoming/ starts nothing.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.asl_history import (
    HISTORY_EVENT_LIMIT,
    STATE_PAYLOAD_LIMIT_BYTES,
    largest_payload_bytes,
)
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import read_history
from devstack.imports import find_execution, upload, wait_until_done
from tests.workflows.conftest import Observers

pytestmark = pytest.mark.workflow


@dataclass
class Imports:
    stack: EmbeddedStack
    results_url: str

    @property
    def bucket(self) -> str:
        return self.stack.outputs.buckets["imports"]

    @property
    def s3(self) -> Any:
        return self.stack.aws.client("s3")

    def run(self, name: str, text: str, timeout: float = 120) -> dict[str, Any]:
        """Upload ``text`` as ``incoming/<name>`` and wait for the import it starts."""
        uploaded = upload(self.s3, self.bucket, name, text.encode())
        sfn = self.stack.aws.client("stepfunctions")
        machine = self.stack.outputs.state_machines["inventory_import"]
        started = find_execution(sfn, machine, uploaded, timeout_s=10)
        return wait_until_done(sfn, started["executionArn"], timeout)

    def keys(self, prefix: str) -> set[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for item in listed.get("Contents", [])}

    def read_json(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def results(self) -> list[dict[str, Any]]:
        """Messages the workflow published on the inventory-imports topic."""
        sqs, found = self.stack.aws.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=self.results_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            for message in batch:
                found.append(json.loads(json.loads(message["Body"])["Message"]))
                sqs.delete_message(
                    QueueUrl=self.results_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return found


@pytest.fixture(scope="module")
def results_queue(session_stack: tuple[EmbeddedStack, Observers]) -> str:
    stack = session_stack[0]
    sqs = stack.aws.client("sqs")
    url = sqs.create_queue(QueueName="observe-inventory-imports")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack.aws.client("sns").subscribe(
        TopicArn=stack.outputs.topics["inventory-imports"], Protocol="sqs", Endpoint=arn
    )
    return str(url)


@pytest.fixture
def imports(stack: EmbeddedStack, results_queue: str) -> Iterator[Imports]:
    helper = Imports(stack, results_queue)
    helper.results()
    yield helper


def csv(*rows: tuple[str, Any]) -> str:
    return "productId,quantity\n" + "".join(f"{p},{q}\n" for p, q in rows)


def test_uploaded_file_adds_its_quantities_to_stock(stack: EmbeddedStack, imports: Imports) -> None:
    before = stack.stock_levels()

    done = imports.run(
        "receipt-1.csv",
        csv(("MUG-LAMBDA", 10), ("STICKERS-10", 5), ("MUG-LAMBDA", 2), ("NEW-TEE-L", 7)),
    )

    assert done["status"] == "SUCCEEDED", done
    assert {"key", "etag", "version-id"} <= set(json.loads(done["input"])["detail"]["object"])
    after = stack.stock_levels()
    assert after["MUG-LAMBDA"] == before["MUG-LAMBDA"] + 12
    assert after["STICKERS-10"] == before["STICKERS-10"] + 5
    assert after["NEW-TEE-L"] == 7
    assert {
        k: v for k, v in after.items() if k not in ("MUG-LAMBDA", "STICKERS-10", "NEW-TEE-L")
    } == {k: v for k, v in before.items() if k not in ("MUG-LAMBDA", "STICKERS-10")}
    [message] = imports.results()
    assert message["outcome"] == "IMPORTED"
    assert (message["rows"], message["products"], message["units"]) == (4, 3, 24)
    assert message["source"] == "incoming/receipt-1.csv"


def test_malformed_file_is_rejected_with_a_report_and_changes_nothing(
    stack: EmbeddedStack, imports: Imports
) -> None:
    before = stack.stock_levels()
    text = csv(("MUG-LAMBDA", 10), ("bad id!", 3), ("STICKERS-10", -2), ("BOOK-ASL-101", "1.5"))

    done = imports.run("receipt-bad.csv", text)

    assert done["status"] == "FAILED"
    assert done["error"] == "ImportFileRejected"
    assert stack.stock_levels() == before
    assert "incoming/receipt-bad.csv" not in imports.keys("incoming/")
    assert imports.keys("rejected/") >= {
        "rejected/receipt-bad.csv",
        "rejected/receipt-bad.csv.report.json",
    }
    report = imports.read_json("rejected/receipt-bad.csv.report.json")
    assert report["badLineCount"] == 3
    assert [line["line"] for line in report["badLines"]] == [3, 4, 5]
    [message] = imports.results()
    assert message["outcome"] == "REJECTED"
    assert message["error"]["Error"] == "ImportFileRejected"


def test_file_outside_incoming_starts_no_import(stack: EmbeddedStack, imports: Imports) -> None:
    sfn = stack.aws.client("stepfunctions")
    machine = stack.outputs.state_machines["inventory_import"]
    before = len(sfn.list_executions(stateMachineArn=machine)["executions"])

    imports.s3.put_object(Bucket=imports.bucket, Key="archive/notes.csv", Body=b"x")

    time.sleep(0.2)
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == before


def test_the_same_upload_delivered_twice_adds_its_stock_once(
    stack: EmbeddedStack, imports: Imports
) -> None:
    before = stack.stock("MUG-LAMBDA")
    first = imports.run("receipt-twice.csv", csv(("MUG-LAMBDA", 4)))
    event = json.loads(first["input"])

    stack.aws.client("events").put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
            }
        ]
    )
    sfn = stack.aws.client("stepfunctions")
    machine = stack.outputs.state_machines["inventory_import"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        runs = [
            sfn.describe_execution(executionArn=e["executionArn"])
            for e in sfn.list_executions(stateMachineArn=machine)["executions"]
        ]
        mine = [r for r in runs if json.loads(r["input"])["detail"] == event["detail"]]
        if len(mine) == 2 and all(r["status"] != "RUNNING" for r in mine):
            break
        time.sleep(0.01)

    assert [r["status"] for r in mine] == ["SUCCEEDED", "SUCCEEDED"]
    assert stack.stock("MUG-LAMBDA") == before + 4


class FailsOnce:
    """A DynamoDB client whose first TransactWriteItems is throttled, then all is well."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.throttled = 0

    def transact_write_items(self, **arguments: Any) -> Any:
        if not self.throttled:
            self.throttled += 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow down"}},
                "TransactWriteItems",
            )
        return self._client.transact_write_items(**arguments)


def test_a_chunk_failing_once_is_retried_and_loaded_once(
    stack: EmbeddedStack, imports: Imports, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader = stack.function_module("inventory_load").loader
    flaky = FailsOnce(loader._client)
    monkeypatch.setattr(loader, "_client", flaky)
    before = stack.stock("STICKERS-10")

    done = imports.run("receipt-retried.csv", csv(("STICKERS-10", 9)))

    assert done["status"] == "SUCCEEDED", done
    assert flaky.throttled == 1
    history = read_history(stack.aws.client("stepfunctions"), done["executionArn"])
    failed = [e for e in history if e["type"] == "TaskFailed"]
    assert len(failed) == 1  # the Map iteration's Retry ran it again
    assert stack.stock("STICKERS-10") == before + 9


@pytest.mark.slow  # about 5 minutes: moto parses and validates each of the 100,000 updates
def test_a_file_of_100000_rows_stays_within_the_payload_and_history_limits(
    stack: EmbeddedStack, imports: Imports
) -> None:
    rows = [(f"BULK-{n:06d}", 1 + n % 7) for n in range(100_000)]

    done = imports.run("bulk-100k.csv", csv(*rows), timeout=600)

    assert done["status"] == "SUCCEEDED", done
    history = read_history(stack.aws.client("stepfunctions"), done["executionArn"])
    assert len(history) < HISTORY_EVENT_LIMIT
    largest = largest_payload_bytes(history)
    assert largest < STATE_PAYLOAD_LIMIT_BYTES
    extract = json.loads(done["output"])["extract"]
    assert (extract["rows"], extract["products"], len(extract["chunks"])) == (100_000, 100_000, 100)
    levels = stack.stock_levels()
    assert sum(levels[p] for p, _ in rows) == sum(q for _, q in rows)
    print(f"\n100,000 rows: {len(history)} history events, largest payload {largest} bytes")
