"""Start a workflow execution, wait for its end, and read back what happened.

moto has no StartSyncExecution, so the embedded emulator starts an execution and polls it;
on the local emulator and in AWS, API Gateway calls StartSyncExecution instead. Either way
the execution is named after the orderId (plus a short unique suffix, because execution
names must be unique while a repeated orderId must still reach the workflow's own claim).
"""

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devstack.asl_history import StateVisit, count_lambda_invocations, count_transitions, visits

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def execution_name(order: Any) -> str:
    order_id = order.get("orderId") if isinstance(order, dict) else None
    prefix = order_id if isinstance(order_id, str) and _SAFE_NAME.fullmatch(order_id) else "order"
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class ExecutionResult:
    execution_arn: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    started: datetime
    stopped: datetime
    history: list[dict[str, Any]]

    @property
    def duration_ms(self) -> float:
        return (self.stopped - self.started).total_seconds() * 1000

    @property
    def visits(self) -> list[StateVisit]:
        return visits(self.history)

    @property
    def transitions(self) -> int:
        return count_transitions(self.history)

    @property
    def lambda_invocations(self) -> int:
        return count_lambda_invocations(self.history)


def read_history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**arguments)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        arguments["nextToken"] = page["nextToken"]


def run_execution(
    sfn: Any,
    state_machine_arn: str,
    payload: Any,
    name: str | None = None,
    poll_seconds: float = 0.002,
    timeout_seconds: float = 120.0,
) -> ExecutionResult:
    """Start an execution with ``payload`` and block until it stops."""
    started = sfn.start_execution(
        stateMachineArn=state_machine_arn,
        name=name or execution_name(payload),
        input=json.dumps(payload),
    )
    arn = started["executionArn"]
    deadline = time.monotonic() + timeout_seconds
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{arn} still running after {timeout_seconds} s")
        time.sleep(poll_seconds)
    history = read_history(sfn, arn)
    output = described.get("output")
    return ExecutionResult(
        execution_arn=arn,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        started=described["startDate"],
        stopped=described.get("stopDate") or described["startDate"],
        history=history,
    )
