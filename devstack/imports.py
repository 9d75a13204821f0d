"""``make import FILE=<csv>``: upload a stock file and follow its import to the end.

The file goes to ``incoming/<name>`` in the imports bucket; S3 tells EventBridge, whose rule
starts the inventory import workflow. This command then finds that execution (by the object's
key and version), waits for it, and prints what it did: the rows, products and units added,
or where the rejection report is. Works on the local stack and, with ``--env dev|prod``, on
AWS with your credentials.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.stack import Naming
from devstack.target_clients import ENVIRONMENTS, client

INCOMING = "incoming/"
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Upload:
    key: str
    etag: str
    version: str | None

    def started(self, execution: dict[str, Any]) -> bool:
        """Whether the execution's S3 event is about this upload (its version, else ETag)."""
        uploaded = json.loads(execution["input"]).get("detail", {}).get("object", {})
        if uploaded.get("key") != self.key:
            return False
        if "version-id" in uploaded:
            return bool(uploaded["version-id"] == self.version)
        return bool(uploaded.get("etag") == self.etag)


def upload(s3: Any, bucket: str, name: str, body: bytes) -> Upload:
    """Put the file under incoming/."""
    key = f"{INCOMING}{name}"
    answer = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return Upload(key, str(answer["ETag"]).strip('"'), answer.get("VersionId"))


def find_execution(
    sfn: Any, state_machine_arn: str, uploaded: Upload, timeout_s: float
) -> dict[str, Any]:
    """The execution the upload started (EventBridge starts it within seconds)."""
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    while time.monotonic() < deadline:
        listed = sfn.list_executions(stateMachineArn=state_machine_arn, maxResults=50)
        for summary in listed["executions"]:
            arn = summary["executionArn"]
            if arn in seen:
                continue
            seen.add(arn)
            described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            if uploaded.started(described):
                return described
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no import started for {uploaded.key} within {timeout_s:.0f} s")


def wait_until_done(sfn: Any, execution_arn: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(POLL_SECONDS)


def summary(described: dict[str, Any], bucket: str, key: str) -> str:
    status = described["status"]
    if status == "SUCCEEDED":
        extract = json.loads(described["output"])["extract"]
        return (
            f"imported {extract['rows']} row(s): {extract['units']} unit(s) of "
            f"{extract['products']} product(s) added to stock (import {extract['importId']})"
        )
    if described.get("error") == "ImportFileRejected":
        report = f"s3://{bucket}/rejected/{key.removeprefix(INCOMING)}.report.json"
        return f"rejected: the file has bad lines and nothing was loaded; report: {report}"
    return f"{status}: {described.get('error')}: {described.get('cause')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="a CSV with the header productId,quantity")
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    naming = Naming(args.env)
    account = client("sts", args.env).get_caller_identity()["Account"]
    bucket = naming.bucket_name("imports", account)
    s3, sfn = client("s3", args.env), client("stepfunctions", args.env)
    machine = f"arn:aws:states:{sfn.meta.region_name}:{account}:stateMachine:"
    machine += naming.name("inventory_import")
    uploaded = upload(s3, bucket, args.file.name, args.file.read_bytes())
    print(f"uploaded s3://{bucket}/{uploaded.key}; waiting for the import to start", flush=True)
    execution = find_execution(sfn, machine, uploaded, timeout_s=60)
    print(f"import running: {execution['executionArn']}", flush=True)
    done = wait_until_done(sfn, execution["executionArn"], args.timeout)
    print(summary(done, bucket, uploaded.key))
    return 0 if done["status"] == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
