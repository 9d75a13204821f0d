"""Run Lambda handlers from ``lambdas/`` inside this Python process.

moto runs function code only in Docker. The embedded emulator replaces moto's
``LambdaFunction._invoke_lambda`` with :func:`invoke`, so every path that invokes a function
(Step Functions tasks, SQS and stream event source mappings, SNS and S3 notifications) runs
the real handler, with the function's own environment variables, and its boto3 calls land in
the same moto. A raised exception is reported the way the Lambda service reports it, with the
exception's class name as ``errorType``, so Retry and Catch in the ASL match on it.
"""

import contextlib
import importlib
import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from devstack.emulator_lock import EMULATOR_LOCK
from devstack.paths import LAMBDAS_DIR

# Environment variables are process-wide, so one invocation runs at a time.
_INVOCATION_LOCK = EMULATOR_LOCK


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that Powertools and handlers read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"inprocess/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    function_name: str
    errored: bool
    error_type: str | None
    duration_ms: float


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    try:
        os.environ.update(variables)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def error_payload(error: BaseException, request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


class InProcessRuntime:
    """Loads each handler module once per runtime (its cold start) and invokes it."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        # Variables every in-process function gets on top of its own, e.g. no X-Ray daemon here.
        self.overrides = {"POWERTOOLS_TRACE_DISABLED": "true", **(overrides or {})}
        self.invocations: list[Invocation] = []
        self._modules: dict[str, ModuleType] = {}
        if str(LAMBDAS_DIR) not in sys.path:
            sys.path.insert(0, str(LAMBDAS_DIR))

    def handler_module(self, handler: str, environment: Mapping[str, str]) -> ModuleType:
        """The module a handler lives in, loaded (if it is not yet) as a cold start with the
        function's ``environment`` would load it. Tests patch what it holds."""
        with _INVOCATION_LOCK, _environment({**environment, **self.overrides}):
            return self._module(handler)

    def _module(self, handler: str) -> ModuleType:
        module_name = handler.rpartition(".")[0]
        module = self._modules.get(module_name)
        if module is None:
            # A fresh runtime re-runs module scope (settings, clients), as a cold start does.
            if module_name in sys.modules:
                module = importlib.reload(sys.modules[module_name])
            else:
                module = importlib.import_module(module_name)
            self._modules[module_name] = module
        return module

    def _handler(self, handler: str) -> Callable[[Any, Any], Any]:
        function: Callable[[Any, Any], Any] = getattr(
            self._module(handler), handler.rpartition(".")[2]
        )
        return function

    def invoke(
        self,
        *,
        handler: str,
        function_name: str,
        function_arn: str,
        environment: Mapping[str, str],
        memory_mb: int,
        timeout_s: float,
        region: str,
        event: Any,
    ) -> tuple[str, bool, str]:
        """Run one invocation; return ``(payload_json, errored, logs)`` as moto expects.

        Powertools binds its log handler to ``sys.stdout`` when a logger is created, so the
        functions' log lines are written straight to this process's stdout (pytest captures
        them per test) rather than collected per invocation.
        """
        variables = {
            **environment,
            **self.overrides,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "_HANDLER": handler,
        }
        context = LambdaContext(function_name, memory_mb, function_arn, timeout_s)
        started = time.perf_counter()
        with _INVOCATION_LOCK, _environment(variables):
            try:
                result = self._handler(handler)(event, context)
                payload, errored, error_type = json.dumps(result), False, None
            except Exception as error:
                report = error_payload(error, context.aws_request_id)
                payload, errored, error_type = json.dumps(report), True, report["errorType"]
        self.invocations.append(
            Invocation(function_name, errored, error_type, (time.perf_counter() - started) * 1000)
        )
        # Logs go to this process's stdout, as a function's go to CloudWatch; none are returned.
        return payload, errored, ""
