"""Make a named Task state fail, on the embedded emulator, the way AWS services fail.

:class:`FaultInjector` is a context manager. While it is active, the next attempts of a Task
state (named as in its ASL file, at any depth: inside a Map's item processor, a Parallel's
branch, or a child workflow) fail with the error a test names, and every attempt of every
Task state is counted. Nothing else changes: the ASL files, the handlers and moto behave as
before, and a state with no fault planned runs untouched::

    with FaultInjector() as faults:
        faults.fail("ChargeStripe", Fault("Lambda.TooManyRequestsException"), times=2)
        run = stack.place_order(order)
    assert faults.failures("ChargeStripe") == 2  # throttled twice, then charged
    assert len(faults.attempts("ChargeStripe")) == 3

Where it acts: moto's copy of the Step Functions interpreter runs every service-integration
Task (``arn:aws:states:::lambda:invoke``, ``dynamodb:*``, ``sns:publish``,
``events:putEvents``, ``sqs:sendMessage.waitForTaskToken``, ``states:startExecution.sync:2``)
through ``StateTaskService._eval_execution``: ``_before_eval_execution`` records
TaskScheduled and TaskStarted, the integration calls the service, and
``_after_eval_execution`` records TaskSucceeded (callback integrations first wait in
``StateTaskServiceCallback._eval_integration_pattern``). Each attempt of the state (each
Retry) runs that sequence again, on its own thread, under ``ExecutionState._eval_state``,
which turns a raised exception into a failure event with the state's ``_from_error`` and
hands its error name to Retry and Catch. The injector wraps:

- ``StateTaskService._eval_execution`` (one attempt): an attempt that fails on its own
  before its after-the-call fault fires leaves that fault to the next attempt, so ``times``
  counts the failures the injector caused;
- ``StateTaskService._before_eval_execution``: counts the attempt and, for a fault that
  happens before the call (the service refused: throttled, a 5xx, a business error the
  service or function reports without doing anything), raises once TaskStarted is recorded,
  so the service is never called;
- ``StateTaskServiceCallback._eval_integration_pattern`` and
  ``StateTaskService._after_eval_execution``: for a fault that happens after the call
  (``after_call=True``: the call took effect, its answer was lost, as when TimeoutSeconds
  runs out while the work completes), raises once the service has done its work; for a
  ``.waitForTaskToken`` or ``.sync`` task, once the request is sent or the child started,
  instead of waiting for it;
- ``_from_error`` of every Task class that defines one: names the injected failure exactly
  as given (TaskFailed, or TaskTimedOut for ``States.Timeout`` and
  ``States.HeartbeatTimeout``), with the state's resource in the event, as the
  integration's own failures are named. moto's integrations would rename some exceptions
  (DynamoDB's turns any non-botocore exception into ``DynamoDB.AmazonDynamoDBException``),
  so the failure must be named here, not raised as a botocore error.

Error names are the ones Step Functions reports, not the services' own codes: optimised
integrations prefix the service (``DynamoDB.ConditionalCheckFailedException``,
``Lambda.TooManyRequestsException``); :data:`ERRORS` lists what each integration reports
for throttling, a service fault and a timeout, for tests that pick faults by kind.
"""

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, cast
from unittest import mock

from moto.stepfunctions.parser.api import HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (  # noqa: E501
    StateTaskService,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

Patcher = Any  # what mock.patch.object returns (a private class of unittest.mock)

TIMEOUT = "States.Timeout"
_TIMED_OUT_ERRORS = frozenset({TIMEOUT, "States.HeartbeatTimeout"})


class FaultKind(StrEnum):
    THROTTLED = "throttled"
    SERVICE_ERROR = "service error"
    TIMEOUT = "timeout"
    BUSINESS_ERROR = "business error"


# What Step Functions reports when the integration's service throttles the call, fails with a
# 5xx, or the state's TimeoutSeconds runs out. Sources: the Step Functions developer guide
# ("Handling errors"; "Handle Lambda service exceptions": Lambda.ServiceException,
# Lambda.TooManyRequestsException; "Add EventBridge events": a PutEvents response with a
# failed entry fails the task with EventBridge.FailedEntry, and PutEvents reports throttling
# per entry, ErrorCode ThrottlingException; "Start a new execution": its Retry example names
# StepFunctions.ExecutionLimitExceeded), the services' API references for the exception names
# (DynamoDB ProvisionedThroughputExceededException, SNS ThrottledException and
# InternalErrorException), and the interpreter's naming (DynamoDB.<code>, SNS.<code>Exception).
# Step Functions runs on the AWS SDK for Java, so a service fault without a modelled exception
# carries the SDK's generic name: SQS.AmazonSQSException, StepFunctions.AWSStepFunctions-
# Exception. The SQS names are the least certain: moto's interpreter (LocalStack's) reports
# every SQS client error as SQS.SdkClientException.
ERRORS: Mapping[str, Mapping[FaultKind, str]] = {
    "lambda": {
        FaultKind.THROTTLED: "Lambda.TooManyRequestsException",
        FaultKind.SERVICE_ERROR: "Lambda.ServiceException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
    "dynamodb": {
        FaultKind.THROTTLED: "DynamoDB.ProvisionedThroughputExceededException",
        FaultKind.SERVICE_ERROR: "DynamoDB.InternalServerErrorException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
    "sns": {
        FaultKind.THROTTLED: "SNS.ThrottledException",
        FaultKind.SERVICE_ERROR: "SNS.InternalErrorException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
    "events": {
        FaultKind.THROTTLED: "EventBridge.FailedEntry",
        FaultKind.SERVICE_ERROR: "EventBridge.InternalException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
    "sqs": {
        FaultKind.THROTTLED: "SQS.RequestThrottledException",
        FaultKind.SERVICE_ERROR: "SQS.AmazonSQSException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
    "states": {
        FaultKind.THROTTLED: "StepFunctions.ExecutionLimitExceeded",
        FaultKind.SERVICE_ERROR: "StepFunctions.AWSStepFunctionsException",
        FaultKind.TIMEOUT: TIMEOUT,
    },
}


def integration(state: Mapping[str, Any]) -> str:
    """The service a Task state integrates: ``arn:aws:states:::dynamodb:putItem`` -> dynamodb."""
    resource = str(state["Resource"])
    return resource.removeprefix("arn:aws:states:::").split(":", maxsplit=1)[0]


def error_for(state: Mapping[str, Any], kind: FaultKind) -> str:
    """The error Step Functions reports for ``kind`` on this Task state's integration."""
    return ERRORS[integration(state)][kind]


def _matches(error_equals: Sequence[str], error: str) -> bool:
    if "States.ALL" in error_equals or error in error_equals:
        return True
    # States.TaskFailed matches every error except the States.* ones (timeouts among them).
    return "States.TaskFailed" in error_equals and not error.startswith("States.")


def retrier_for(state: Mapping[str, Any], error: str) -> Mapping[str, Any] | None:
    """The Retrier that handles ``error`` (the first that matches), if any."""
    return next((r for r in state.get("Retry", []) if _matches(r["ErrorEquals"], error)), None)


def catcher_for(state: Mapping[str, Any], error: str) -> Mapping[str, Any] | None:
    """The Catcher that handles ``error`` once retries are spent (the first that matches)."""
    return next((c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], error)), None)


def retries(state: Mapping[str, Any], error: str) -> int:
    """How many times the state is retried after ``error`` (MaxAttempts defaults to 3)."""
    retrier = retrier_for(state, error)
    return 0 if retrier is None else int(retrier.get("MaxAttempts", 3))


@dataclass(frozen=True)
class Fault:
    """One failed attempt: the error Step Functions reports, and when it happens.

    ``after_call=False``: the service refused, nothing happened. ``after_call=True``: the
    call took effect (a write written, a function run, a message sent, a child started) and
    then the state failed, as when the answer comes after TimeoutSeconds.
    """

    error: str
    cause: str = "injected fault"
    after_call: bool = False

    @property
    def timed_out(self) -> bool:
        return self.error in _TIMED_OUT_ERRORS


def function_error(error_type: str, message: str, after_call: bool = False) -> Fault:
    """A Lambda function's own exception as ``lambda:invoke`` reports it: the error is the
    exception's class name and the cause the function's error payload, JSON that the ASL
    may read (``States.StringToJson($.error.Cause)``)."""
    payload = {"errorType": error_type, "errorMessage": message, "stackTrace": []}
    return Fault(error_type, json.dumps(payload), after_call)


ALWAYS = None  # ``times=ALWAYS``: every attempt fails, however many Retry makes


@dataclass
class _Plan:
    state: str
    workflow: str | None
    fault: Fault
    remaining: int | None

    def applies(self, state: str, machine: Mapping[str, Any]) -> bool:
        wanted = self.workflow is None or self.workflow in (machine.get("Id"), machine.get("Name"))
        return state == self.state and wanted and self.remaining != 0


@dataclass(frozen=True)
class Attempt:
    """One attempt of a Task state, and the fault it was given (None: it ran untouched)."""

    state_machine: str  # the state machine's ARN
    execution: str  # the execution's ARN
    state: str
    fault: Fault | None


class _InjectedFailure(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(f"{fault.error}: {fault.cause}")
        self.fault = fault


def _is_of(attempt: Attempt, workflow: str | None) -> bool:
    """Whether the attempt ran in ``workflow`` (a state machine's ARN or name, or None: any)."""
    name = attempt.state_machine.rsplit(":", maxsplit=1)[-1]
    return workflow in (None, attempt.state_machine, name)


def _error_name(error: str) -> ErrorName:
    if error.startswith("States."):
        return StatesErrorName(typ=StatesErrorNameType.from_name(error))
    return CustomErrorName(error)


def _failure_event(task: StateTaskService, env: Any, fault: Fault) -> FailureEvent:
    """The event the integration itself would record (its resource named), as TaskFailed or,
    for a timeout, TaskTimedOut."""
    details = {
        "error": fault.error,
        "cause": fault.cause,
        "resource": task._get_sfn_resource(),
        "resourceType": task._get_sfn_resource_type(),
    }
    if fault.timed_out:
        kind, key = HistoryEventType.TaskTimedOut, "taskTimedOutEventDetails"
    else:
        kind, key = HistoryEventType.TaskFailed, "taskFailedEventDetails"
    event_details = cast(EventDetails, {key: details})  # a total TypedDict, filled with one key
    return FailureEvent(
        env=env, error_name=_error_name(fault.error), event_type=kind, event_details=event_details
    )


def _task_classes() -> Iterator[type]:
    pending: list[type] = [StateTask]
    while pending:
        cls = pending.pop()
        yield cls
        pending.extend(cls.__subclasses__())


@dataclass
class FaultInjector:
    """See the module docstring. Thread-safe: executions run on their own threads."""

    log: list[Attempt] = field(default_factory=list)
    _plans: list[_Plan] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _armed: threading.local = field(default_factory=threading.local)
    _patched: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    # Planning and reading -------------------------------------------------------------------

    def fail(
        self, state: str, fault: Fault, times: int | None = 1, workflow: str | None = None
    ) -> None:
        """Make the next ``times`` attempts of ``state`` fail with ``fault``.

        ``times=ALWAYS`` fails every attempt. ``workflow`` (a state machine's ARN or name)
        narrows it to one state machine, where a name is used in several. Plans for the same
        state apply in the order they were made.
        """
        with self._lock:
            self._plans.append(_Plan(state, workflow, fault, times))

    def clear(self) -> None:
        """Forget every plan and every attempt counted."""
        with self._lock:
            self._plans.clear()
            self.log.clear()

    def attempts(self, state: str, workflow: str | None = None) -> list[Attempt]:
        """Every attempt of ``state`` so far, in order, failed or not."""
        with self._lock:
            return [a for a in self.log if a.state == state and _is_of(a, workflow)]

    def failures(self, state: str, workflow: str | None = None) -> int:
        return sum(1 for a in self.attempts(state, workflow) if a.fault is not None)

    def _begin_attempt(self, task: StateTaskService, env: Any) -> None:
        """Count the attempt; raise its fault now, or arm it for after the call."""
        context = env.states.context_object.context_object_data
        machine, execution = context["StateMachine"], context["Execution"]
        self._armed.fault = None
        with self._lock:
            plan = next((p for p in self._plans if p.applies(task.name, machine)), None)
            if plan is not None and plan.remaining is not None:
                plan.remaining -= 1
            fault = plan.fault if plan is not None else None
            now = fault is not None and not fault.after_call
            self.log.append(
                Attempt(machine["Id"], execution["Id"], task.name, fault if now else None)
            )
            index = len(self.log) - 1
        if fault is None:
            return
        if now:
            raise _InjectedFailure(fault)
        self._armed.fault, self._armed.plan, self._armed.index = fault, plan, index

    def _fire_if_armed(self) -> None:
        """The call is done: fail the attempt with the fault armed for it, if any."""
        fault: Fault | None = getattr(self._armed, "fault", None)
        if fault is None:
            return
        self._armed.fault = None
        with self._lock:
            self.log[self._armed.index] = replace(self.log[self._armed.index], fault=fault)
        raise _InjectedFailure(fault)

    def _end_attempt(self) -> None:
        """An attempt that failed on its own before its armed fault fired leaves the fault
        to the next attempt: ``times`` counts the failures the injector caused."""
        if getattr(self._armed, "fault", None) is None:
            return
        self._armed.fault = None
        with self._lock:
            if self._armed.plan.remaining is not None:
                self._armed.plan.remaining += 1

    # The patches --------------------------------------------------------------------------

    def _patches(self) -> list[Patcher]:
        injector = self
        eval_execution = StateTaskService._eval_execution
        before = StateTaskService._before_eval_execution
        after = StateTaskService._after_eval_execution
        integration_pattern = StateTaskServiceCallback._eval_integration_pattern

        def attempt(self: StateTaskService, env: Any) -> None:
            try:
                eval_execution(self, env)
            finally:
                injector._end_attempt()

        def before_eval_execution(self: StateTaskService, env: Any, *args: Any, **kw: Any) -> None:
            before(self, env, *args, **kw)
            injector._begin_attempt(self, env)

        def after_eval_execution(self: StateTaskService, env: Any, *args: Any, **kw: Any) -> None:
            injector._fire_if_armed()
            after(self, env, *args, **kw)

        def eval_integration_pattern(
            self: StateTaskServiceCallback, env: Any, *args: Any, **kw: Any
        ) -> None:
            if getattr(injector._armed, "fault", None) is not None:
                # Sent or started, and then no answer in time: the token is spent, as on AWS.
                if ResourceCondition.WaitForTaskToken in self._supported_integration_patterns:
                    token = env.states.context_object.context_object_data["Task"]["Token"]
                    endpoint = env.callback_pool_manager.get(token)
                    if endpoint is not None:
                        endpoint.interrupt_all()
                injector._fire_if_armed()
            integration_pattern(self, env, *args, **kw)

        patchers = [
            mock.patch.object(StateTaskService, "_eval_execution", attempt),
            mock.patch.object(StateTaskService, "_before_eval_execution", before_eval_execution),
            mock.patch.object(StateTaskService, "_after_eval_execution", after_eval_execution),
            mock.patch.object(
                StateTaskServiceCallback, "_eval_integration_pattern", eval_integration_pattern
            ),
        ]
        for cls in _task_classes():
            if "_from_error" in vars(cls):
                patchers.append(
                    mock.patch.object(
                        cls, "_from_error", _naming_injected(cls.__dict__["_from_error"])
                    )
                )
        return patchers

    def __enter__(self) -> "FaultInjector":
        with contextlib.ExitStack() as patched:
            for patcher in self._patches():
                patched.enter_context(patcher)
            self._patched = patched.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._patched.close()


def _naming_injected(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    def from_error(self: StateTaskService, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, _InjectedFailure):
            return _failure_event(self, env, ex.fault)
        return original(self, env=env, ex=ex)

    return from_error
