"""devstack.inprocess_lambda.InProcessRuntime: handlers run in this process, as Lambda runs them."""

import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.inprocess_lambda import InProcessRuntime, LambdaContext

pytestmark = pytest.mark.unit

MODULE = "unit_tiny_handler"
HANDLER_SOURCE = textwrap.dedent(
    """
    import os

    calls = 0


    class CardMelted(Exception):
        pass


    def fail(event, context):
        raise CardMelted(f"card {event['card']} melted")


    def succeed(event, context):
        return {"doubled": event["n"] * 2, "function": context.function_name}


    def read_environment(event, context):
        return {name: os.environ.get(name) for name in event["names"]}


    def fail_after_reading_environment(event, context):
        raise CardMelted(os.environ.get("UNIT_FRESH"))


    def shout(event, context):
        print("hello from the handler")
        return "shouted"


    def count(event, context):
        global calls
        calls += 1
        return calls


    def unserialisable(event, context):
        return {"when": object()}
    """
)

Invoke = Callable[..., tuple[str, bool, str]]


@pytest.fixture
def handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    (tmp_path / f"{MODULE}.py").write_text(HANDLER_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield MODULE
    sys.modules.pop(MODULE, None)


@pytest.fixture
def runtime(handler_module: str) -> InProcessRuntime:
    return InProcessRuntime()


def invoker(runtime: InProcessRuntime) -> Invoke:
    def invoke(function: str, event: Any = None, environment: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return runtime.invoke(
            handler=f"{MODULE}.{function}",
            function_name=f"fn-{function}",
            function_arn=f"arn:aws:lambda:eu-west-2:123456789012:function:fn-{function}",
            environment=environment or {},
            memory_mb=128,
            timeout_s=3,
            region="eu-west-2",
            event=event,
        )

    return invoke


@pytest.fixture
def invoke(runtime: InProcessRuntime) -> Invoke:
    return invoker(runtime)


def test_successful_call_returns_the_result_as_json(invoke: Invoke) -> None:
    payload, errored, _ = invoke("succeed", {"n": 21})

    assert errored is False
    assert json.loads(payload) == {"doubled": 42, "function": "fn-succeed"}


def test_raised_exception_is_reported_by_class_name_and_message(
    invoke: Invoke, runtime: InProcessRuntime
) -> None:
    payload, errored, _ = invoke("fail", {"card": "4242"})

    assert errored is True
    report = json.loads(payload)
    assert report["errorType"] == "CardMelted"
    assert report["errorMessage"] == "card 4242 melted"
    assert report["requestId"]
    assert any("fail" in frame for frame in report["stackTrace"])
    assert runtime.invocations[-1].error_type == "CardMelted"


def test_result_that_is_not_json_is_reported_as_an_error(invoke: Invoke) -> None:
    payload, errored, _ = invoke("unserialisable", {})

    assert errored is True
    assert json.loads(payload)["errorType"] == "TypeError"


@pytest.fixture
def environment_before(monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    monkeypatch.setenv("UNIT_PRESET", "before")
    for name in ("UNIT_FRESH", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER"):
        monkeypatch.delenv(name, raising=False)
    return {name: os.environ.get(name) for name in ("UNIT_PRESET", "UNIT_FRESH", "_HANDLER")}


def test_call_environment_is_visible_inside_the_handler_and_restored_afterwards(
    invoke: Invoke, environment_before: dict[str, str | None]
) -> None:
    names = ["UNIT_PRESET", "UNIT_FRESH", "AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_TRACE_DISABLED"]

    payload, errored, _ = invoke(
        "read_environment",
        {"names": names},
        environment={"UNIT_PRESET": "during", "UNIT_FRESH": "new"},
    )

    assert errored is False
    assert json.loads(payload) == {
        "UNIT_PRESET": "during",
        "UNIT_FRESH": "new",
        "AWS_LAMBDA_FUNCTION_NAME": "fn-read_environment",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    assert {name: os.environ.get(name) for name in environment_before} == environment_before


def test_environment_is_restored_when_the_handler_raises(
    invoke: Invoke, environment_before: dict[str, str | None]
) -> None:
    payload, errored, _ = invoke("fail_after_reading_environment", {}, {"UNIT_FRESH": "new"})

    assert errored is True
    assert json.loads(payload)["errorMessage"] == "new"
    assert {name: os.environ.get(name) for name in environment_before} == environment_before


def test_handler_stdout_reaches_this_process_stdout_and_no_logs_are_returned(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # As documented in devstack/inprocess_lambda.py: a function's logs go to this process's
    # stdout (as a deployed function's go to CloudWatch) and invoke returns none.
    payload, errored, logs = invoke("shout", {})

    assert (json.loads(payload), errored) == ("shouted", False)
    assert "hello from the handler" in capsys.readouterr().out
    assert logs == ""


def test_invocations_records_each_call_in_order(invoke: Invoke, runtime: InProcessRuntime) -> None:
    invoke("succeed", {"n": 1})
    invoke("fail", {"card": "1"})
    invoke("succeed", {"n": 2})

    assert [(i.function_name, i.errored, i.error_type) for i in runtime.invocations] == [
        ("fn-succeed", False, None),
        ("fn-fail", True, "CardMelted"),
        ("fn-succeed", False, None),
    ]
    assert all(i.duration_ms >= 0 for i in runtime.invocations)


def test_module_is_loaded_once_per_runtime_like_a_cold_start(handler_module: str) -> None:
    first, second = invoker(InProcessRuntime()), invoker(InProcessRuntime())

    warm = [json.loads(first("count", {})[0]) for _ in range(2)]
    cold = json.loads(second("count", {})[0])

    assert warm == [1, 2]
    assert cold == 1


def test_context_counts_down_from_the_timeout() -> None:
    context = LambdaContext("fn", 128, "arn:aws:lambda:eu-west-2:123456789012:function:fn", 3)

    assert 0 < context.get_remaining_time_in_millis() <= 3000
    assert context.log_group_name == "/aws/lambda/fn"
