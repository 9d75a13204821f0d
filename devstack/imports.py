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
from pathlib import Path
from typing import Any

from devstack.stack import Naming
from devstack.target_clients import ENVIRONMENTS, client

INCOMING = "incoming/"
POLL_SECONDS = 0.5


def upload(s3: Any, bucket: str, path: Path) -> tuple[str, str | None]:
    """Put the file under incoming/; return its key and version id."""
    key = f"{INCOMING}{path.name}"
    answer = s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    return key, answer.get("VersionId")


def _started_by(execution: dict[str, Any], key: str, version: str | None) -> bool:
    detail = json.loads(execution["input"]).get("detail", {})
    uploaded = detail.get("object", {})
    return bool(uploaded.get("key") == key and uploaded.get("version-id") == version)


def find_execution(
    sfn: Any, state_machine_arn: str, key: str, version: str | None, timeout_s: float
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
            if _started_by(described, key, version):
                return described
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no import started for {key} within {timeout_s:.0f} s")


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
    key, version = upload(s3, bucket, args.file)
    print(f"uploaded s3://{bucket}/{key}; waiting for the import to start", flush=True)
    execution = find_execution(sfn, machine, key, version, timeout_s=60)
    print(f"import running: {execution['executionArn']}", flush=True)
    done = wait_until_done(sfn, execution["executionArn"], args.timeout)
    print(summary(done, bucket, key))
    return 0 if done["status"] == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
