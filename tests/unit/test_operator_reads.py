"""make logs and make executions: what they read and print, against moto (ENV=dev's code path)."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from devstack import logs, workflow_runs
from devstack.stack import DEFAULT_REGION, Naming

pytestmark = pytest.mark.unit

GROUP = logs.log_group_name("process_payment", Naming("dev"))
NOW_MS = 1_795_000_000_000


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


def put(client, messages: list[tuple[int, str]]) -> None:  # type: ignore[no-untyped-def]
    client.put_log_events(
        logGroupName=GROUP,
        logStreamName="2026/11/23/[$LATEST]abc",
        logEvents=[{"timestamp": t, "message": m} for t, m in messages],
    )


@pytest.fixture
def log_client(aws: None):  # type: ignore[no-untyped-def]
    client = boto3.client("logs", region_name=DEFAULT_REGION)
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="2026/11/23/[$LATEST]abc")
    return client


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("10m", 600), ("2h", 7200), ("1d", 86400)]
)
def test_since_accepts_a_number_and_a_unit(text: str, seconds: int) -> None:
    assert logs.parse_since(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "0m", "-5m", "1w", "ten minutes"])
def test_since_rejects_anything_else_with_the_accepted_form(text: str) -> None:
    with pytest.raises(ValueError, match="s, m, h or d"):
        logs.parse_since(text)


def test_logs_prints_the_window_oldest_first_and_nothing_older(log_client) -> None:  # type: ignore[no-untyped-def]
    put(
        log_client,
        [
            (NOW_MS - 3_600_000, "too old"),
            (NOW_MS - 60_000, "charging"),
            (NOW_MS - 1_000, "captured"),
        ],
    )
    lines: list[str] = []

    count = logs.show(log_client, GROUP, 600, write=lines.append, now_ms=lambda: NOW_MS)

    assert count == 2
    assert [line.split("  ", 1)[1] for line in lines] == ["charging", "captured"]
    assert lines[0].startswith(
        datetime.fromtimestamp((NOW_MS - 60_000) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    )


def test_logs_follow_prints_new_events_once(log_client) -> None:  # type: ignore[no-untyped-def]
    put(log_client, [(NOW_MS - 5_000, "first")])
    lines: list[str] = []
    polls = iter([lambda: put(log_client, [(NOW_MS - 1_000, "second")])])

    def sleep(_: float) -> None:
        next(polls, lambda: (_ for _ in ()).throw(KeyboardInterrupt))()

    with pytest.raises(KeyboardInterrupt):
        logs.show(
            log_client,
            GROUP,
            60,
            follow=True,
            write=lines.append,
            now_ms=lambda: NOW_MS,
            sleep=sleep,
        )

    assert [line.split("  ", 1)[1] for line in lines] == ["first", "second"]


def test_logs_names_the_missing_log_group(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert logs.main(["process_payment", "--env", "dev"]) == 1
    assert f"no log group {GROUP} in dev" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope"], "unknown function 'nope'; choose one of: validate_order"),
        (["notifier", "--since", "soon"], "SINCE must be"),
    ],
)
def test_logs_usage_errors_name_the_problem(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert logs.main(argv) == 2
    assert message in capsys.readouterr().err


def log_entry(arn: str, kind: str, at_ms: int, **details: str) -> dict[str, object]:
    """One Step Functions log event as CloudWatch Logs returns it (logging level ALL)."""
    entry = {
        "id": "1",
        "type": kind,
        "details": details,
        "event_timestamp": str(at_ms),
        "execution_arn": arn,
    }
    return {"timestamp": at_ms, "message": json.dumps(entry)}


def test_express_runs_are_rebuilt_from_their_log_events() -> None:
    base = "arn:aws:states:eu-west-2:123456789012:express:orders-dev-order-processing"
    shipped, declined, running = f"{base}:a:1", f"{base}:b:2", f"{base}:c:3"
    events = [
        log_entry(shipped, "ExecutionStarted", NOW_MS - 9_000),
        log_entry(shipped, "TaskStateEntered", NOW_MS - 8_900),
        log_entry(declined, "ExecutionStarted", NOW_MS - 5_000),
        log_entry(shipped, "ExecutionSucceeded", NOW_MS - 8_500),
        log_entry(declined, "ExecutionFailed", NOW_MS - 4_000, error="PaymentDeclined"),
        log_entry(running, "ExecutionStarted", NOW_MS - 1_000),
    ]

    runs = workflow_runs.from_log_events(events)

    assert [(run.name, run.status, run.error) for run in runs] == [
        ("3", "RUNNING", None),
        ("2", "FAILED", "PaymentDeclined"),
        ("1", "SUCCEEDED", None),
    ]
    assert (runs[1].stopped - runs[1].started).total_seconds() == 1.0  # type: ignore[operator]


def test_standard_runs_come_from_the_api_newest_first_with_the_error(aws: None) -> None:
    sfn = boto3.client("stepfunctions", region_name=DEFAULT_REGION)
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Declined"}],
                "Default": "Done",
            },
            "Declined": {"Type": "Fail", "Error": "PaymentDeclined", "Cause": "card declined"},
            "Done": {"Type": "Succeed"},
        },
    }
    arn = sfn.create_state_machine(
        name="orders-dev-order-fulfilment",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/orders-dev-order-fulfilment",
    )["stateMachineArn"]
    for name, fail in (("first", True), ("second", False)):
        execution = sfn.start_execution(
            stateMachineArn=arn, name=name, input=json.dumps({"fail": fail})
        )
        wait_until_done(sfn, execution["executionArn"])

    runs = workflow_runs.from_api(sfn, arn, status=None, limit=10)
    failed = workflow_runs.from_api(sfn, arn, status="FAILED", limit=10)

    assert [(run.name, run.status, run.error) for run in runs] == [
        ("second", "SUCCEEDED", None),
        ("first", "FAILED", "PaymentDeclined"),
    ]
    assert [run.name for run in failed] == ["first"]
    assert workflow_runs.from_api(sfn, arn, status=None, limit=1) == runs[:1]


def wait_until_done(sfn, execution_arn: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.01)


def test_executions_says_which_workflow_is_not_deployed(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert workflow_runs.main(["order_fulfilment", "--env", "dev"]) == 1
    assert "order_fulfilment: not deployed in dev" in capsys.readouterr().err


def test_executions_rejects_an_unknown_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    assert workflow_runs.main(["checkout"]) == 2
    assert "unknown workflow 'checkout'; choose one of: order_processing" in capsys.readouterr().err


def test_events_without_an_id_are_told_apart_by_their_content() -> None:
    """The local emulator's events have no eventId; follow must still print each once."""
    event = {"timestamp": NOW_MS, "logStreamName": "s", "message": "charging"}

    assert logs.event_key(event) == logs.event_key(dict(event))
    assert logs.event_key(event) != logs.event_key({**event, "message": "captured"})
    assert logs.event_key({**event, "eventId": "42"}) == "42"
