"""``make executions [WORKFLOW=<key>]``: recent executions of a workflow, newest first.

Each line shows the execution's name, status, start time, duration and, for a failed one,
its error. ``--status`` keeps one status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED).

Standard workflows are read with ListExecutions. On AWS, ListExecutions does not cover
Express workflows, so their executions are rebuilt from the state machine's log group
(``/aws/vendedlogs/states/<name>``, logging level ALL): its ExecutionStarted and terminal
events, within ``--since``. The local emulator lists Express executions through the API.
Works on the local stack and, with ``--env dev|prod``, on AWS with your credentials.
"""

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError

from devstack.logs import events, parse_since
from devstack.stack import STATE_MACHINES, Naming, StateMachine
from devstack.target_clients import ENVIRONMENTS, client

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# Terminal event types of an execution, as Step Functions logs them, and their status.
_TERMINAL_EVENTS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
_EXECUTION_EVENTS = ("ExecutionStarted", *_TERMINAL_EVENTS)
_NOT_DEPLOYED = ("StateMachineDoesNotExist", "ResourceNotFoundException")
_LOG_FILTER = "{ " + " || ".join(f'$.type = "{kind}"' for kind in _EXECUTION_EVENTS) + " }"


@dataclass
class Run:
    name: str
    status: str
    started: datetime
    stopped: datetime | None = None
    error: str | None = None

    def line(self, now: datetime) -> str:
        seconds = ((self.stopped or now) - self.started).total_seconds()
        running = "" if self.stopped else " so far"
        error = f"  {self.error}" if self.error else ""
        return (
            f"{self.name:<48} {self.status:<10} {self.started:%Y-%m-%d %H:%M:%S}"
            f"  {seconds:8.1f} s{running}{error}"
        )


def from_api(sfn: Any, state_machine_arn: str, status: str | None, limit: int) -> list[Run]:
    arguments: dict[str, Any] = {"stateMachineArn": state_machine_arn}
    if status:
        arguments["statusFilter"] = status
    runs: list[Run] = []
    for page in sfn.get_paginator("list_executions").paginate(**arguments):
        for execution in page["executions"]:
            run = Run(
                execution["name"],
                execution["status"],
                execution["startDate"],
                execution.get("stopDate"),
            )
            if run.status in ("FAILED", "TIMED_OUT", "ABORTED"):
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                run.error = described.get("error")
            runs.append(run)
    return newest_first(runs)[:limit]


def from_log_events(log_events: Iterable[dict[str, Any]]) -> list[Run]:
    """Rebuild executions from Step Functions log entries (one JSON object per event)."""
    runs: dict[str, Run] = {}
    for event in log_events:
        entry = json.loads(event["message"])
        arn, kind = entry.get("execution_arn"), entry.get("type")
        if not arn or kind not in _EXECUTION_EVENTS:
            continue
        moment = datetime.fromtimestamp(int(entry["event_timestamp"]) / 1000, tz=UTC)
        run = runs.setdefault(arn, Run(arn.rsplit(":", 1)[-1], "RUNNING", moment))
        if kind == "ExecutionStarted":
            run.started = moment
        else:
            run.status, run.stopped = _TERMINAL_EVENTS[kind], moment
            run.error = (entry.get("details") or {}).get("error")
    return newest_first(list(runs.values()))


def from_logs(
    logs: Any, log_group: str, since_s: int, status: str | None, limit: int, now: datetime
) -> list[Run]:
    start_ms = int((now - timedelta(seconds=since_s)).timestamp() * 1000)
    runs = from_log_events(events(logs, log_group, start_ms, _LOG_FILTER))
    return [run for run in runs if status in (None, run.status)][:limit]


def newest_first(runs: list[Run]) -> list[Run]:
    return sorted(runs, key=lambda run: run.started, reverse=True)


class Reader:
    """Reads one environment's executions; its clients and account are made once, on first use."""

    def __init__(self, environment: str) -> None:
        self.environment = environment

    @cached_property
    def sfn(self) -> Any:
        return client("stepfunctions", self.environment)

    @cached_property
    def logs(self) -> Any:
        return client("logs", self.environment)

    @cached_property
    def account(self) -> str:
        return str(client("sts", self.environment).get_caller_identity()["Account"])

    def recent_runs(
        self, machine: StateMachine, status: str | None, limit: int, since_s: int
    ) -> tuple[str, list[Run]]:
        """Where the runs were read from, and the runs."""
        name = Naming(self.environment).name(machine.key)
        if machine.type == "EXPRESS" and self.environment != "local":
            group = f"/aws/vendedlogs/states/{name}"
            now = datetime.now(tz=UTC)
            return group, from_logs(self.logs, group, since_s, status, limit, now)
        region = self.sfn.meta.region_name
        arn = f"arn:aws:states:{region}:{self.account}:stateMachine:{name}"
        return name, from_api(self.sfn, arn, status, limit)


def main(argv: list[str] | None = None) -> int:
    keys = [machine.key for machine in STATE_MACHINES]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workflow", nargs="?", help=f"one of: {', '.join(keys)} (default: all)")
    parser.add_argument("--status", choices=STATUSES, default=None)
    parser.add_argument("--limit", type=int, default=20, help="executions per workflow")
    parser.add_argument("--since", default="1h", help="Express on AWS: how far back (1h)")
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)
    if args.workflow and args.workflow not in keys:
        print(
            f"unknown workflow {args.workflow!r}; choose one of: {', '.join(keys)}", file=sys.stderr
        )
        return 2
    try:
        since_s = parse_since(args.since)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    now, reader = datetime.now(tz=UTC), Reader(args.env)
    for machine in STATE_MACHINES:
        if args.workflow not in (None, machine.key):
            continue
        try:
            source, runs = reader.recent_runs(machine, args.status, args.limit, since_s)
        except ClientError as error:
            if error.response["Error"]["Code"] not in _NOT_DEPLOYED:
                raise
            print(f"{machine.key}: not deployed in {args.env} ({error})", file=sys.stderr)
            return 1
        print(f"{machine.key} ({machine.type.lower()}, from {source}): {len(runs)} shown")
        for run in runs:
            print(f"  {run.line(now)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
