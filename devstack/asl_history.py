"""Read an execution history: which states ran, how long each took, what it cost in calls."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class StateVisit:
    name: str
    state_type: str
    entered: datetime
    exited: datetime | None
    failures: list[str]  # the error of each failed attempt, in order
    input: str | None = None  # the state's input, as the history records it (JSON text)
    output: str | None = None
    attempts: int = 0  # tasks scheduled (a Task's first try and each retry)
    last_attempt_failed: bool = False
    cause: str | None = None  # the last failure's cause

    @property
    def duration_ms(self) -> float:
        end = self.exited or self.entered
        return (end - self.entered).total_seconds() * 1000

    @property
    def retries(self) -> int:
        return max(self.attempts - 1, 0)


def _state_type(event_type: str) -> str:
    return event_type.removesuffix("StateEntered") or "State"


def _open_visit(found: list[StateVisit]) -> StateVisit | None:
    return next((visit for visit in reversed(found) if visit.exited is None), None)


def _details(event: dict[str, Any]) -> dict[str, Any]:
    details: Any = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
    return details if isinstance(details, dict) else {}


def visits(history: list[dict[str, Any]]) -> list[StateVisit]:
    """One entry per state entered, in order: its exit time, input and output, and its
    task's attempts and failures."""
    found: list[StateVisit] = []
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            visit = StateVisit(
                details["name"],
                _state_type(kind),
                event["timestamp"],
                None,
                [],
                input=details.get("input"),
            )
            if visit.state_type == "Fail":  # a Fail state ends the branch without an exit event
                visit.exited = visit.entered
            found.append(visit)
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            for visit in reversed(found):
                if visit.name == details["name"] and visit.exited is None:
                    visit.exited = event["timestamp"]
                    visit.output = details.get("output")
                    break
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled"):
            if (scheduled := _open_visit(found)) is not None:
                scheduled.attempts += 1
                scheduled.last_attempt_failed = False
        elif kind.startswith(("Task", "LambdaFunction")) and kind.endswith(("Failed", "TimedOut")):
            details = _details(event)
            if (failed := _open_visit(found)) is not None:
                failed.failures.append(details.get("error") or kind)
                failed.cause = details.get("cause")
                failed.last_attempt_failed = True
    return found


def count_transitions(history: list[dict[str, Any]]) -> int:
    """State transitions as Step Functions bills them: one per state entered."""
    return sum(1 for event in history if event["type"].endswith("StateEntered"))


def count_lambda_invocations(history: list[dict[str, Any]]) -> int:
    """Lambda invocations through the lambda:invoke integration, each retry included."""
    return sum(
        1
        for event in history
        if event["type"] == "TaskScheduled"
        and event["taskScheduledEventDetails"]["resourceType"] == "lambda"
    )


# Step Functions quotas a workflow's design must respect (AWS Step Functions developer guide,
# "Quotas"): a state's input or output, and a Standard execution's history length.
STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024
HISTORY_EVENT_LIMIT = 25_000


def largest_payload_bytes(history: list[dict[str, Any]]) -> int:
    """The largest event detail (state input, output, parameters, error) in the history."""
    return max(
        len(json.dumps(details).encode())
        for event in history
        for name, details in event.items()
        if name.endswith("EventDetails")
    )
