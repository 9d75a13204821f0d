"""Waiting for executions that run on the embedded stack's threads, and saying where one is
stuck when it does not end (shared by the fault matrix and the invariants)."""

import time
from collections.abc import Callable
from typing import Any

from devstack.executions import read_history

POLL_S = 0.02  # polling costs the interpreter CPU: the GIL is shared
DEADLINE_S = 30  # a run that takes longer is stuck: fail it rather than hang the suite


def wait_until(stuck: Callable[[], str], done: Callable[[], Any]) -> Any:
    """Poll ``done()`` until it returns something truthy; after DEADLINE_S, fail saying where
    the run is stuck."""
    deadline = time.monotonic() + DEADLINE_S
    while not (result := done()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"after {DEADLINE_S} s: {stuck()}")
        time.sleep(POLL_S)
    return result


def last_steps(sfn: Any, execution_arn: str) -> str:
    """The end of an execution's history: where it is stuck."""
    steps = [
        f"{event['type']} {event.get('stateEnteredEventDetails', {}).get('name', '')}".strip()
        for event in read_history(sfn, execution_arn)[-8:]
    ]
    return f"{execution_arn} still running; its last events: {steps}"


def stopped(sfn: Any, execution_arn: str) -> dict[str, Any] | None:
    """The execution's description once it is no longer running, else None."""
    described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
    return described if described["status"] != "RUNNING" else None


def has_messages(sqs: Any, queue_url: str) -> bool:
    """Whether the queue holds messages now (not counting those in flight)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"]) > 0
