"""The moto gaps ``EmbeddedAws`` closes (devstack/moto_gaps.py, devstack/fast_clock.py).

Each test builds tiny throwaway handlers and ASL in a temporary directory, on its own emulator,
and fails if the patch it covers is removed.
"""

import importlib
import io
import json
import sys
import textwrap
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models import table as table_models
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from devstack.embedded import EmbeddedAws
from devstack.fast_clock import fast_interpreter_clock

pytestmark = pytest.mark.workflow

HANDLERS = textwrap.dedent(
    """
    import json

    CALLS = []


    class ChildFailed(Exception):
        pass


    def echo(event, context):
        CALLS.append(event)
        return {"echoed": event}


    def record(event, context):
        CALLS.append(event)


    def fail_first(event, context):
        CALLS.append(event)
        if len(CALLS) == 1:
            raise ChildFailed("first call fails")
        return {"echoed": event}


    def stream(event, context):
        CALLS.append(event)
        for r in event["Records"]:
            if r["dynamodb"].get("NewImage", {}).get("status", {}).get("S") == "POISON":
                raise ChildFailed("poison record")


    def sqs_partial(event, context):
        CALLS.append(event)
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if json.loads(r["body"]).get("fail")
            ]
        }
    """
)

ROLE = "arn:aws:iam::123456789012:role/gaps"


class Gaps:
    def __init__(self, aws: EmbeddedAws, module: str) -> None:
        self.aws = aws
        self.module = module

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    @property
    def calls(self) -> list[Any]:
        calls: list[Any] = sys.modules[self.module].CALLS
        return calls

    def function(self, handler: str) -> str:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("placeholder.py", "")
        return str(
            self.client("lambda").create_function(
                FunctionName=f"{handler}-{uuid.uuid4().hex[:8]}",
                Runtime="python3.11",
                Role=ROLE,
                Handler=f"{self.module}.{handler}",
                Code={"ZipFile": buffer.getvalue()},
            )["FunctionArn"]
        )

    def state_machine(self, definition: dict[str, Any]) -> str:
        return str(
            self.client("stepfunctions").create_state_machine(
                name=f"sm-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
            )["stateMachineArn"]
        )

    def queue(self, **attributes: str) -> tuple[str, str]:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", Attributes=attributes)[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def drain(self, url: str) -> list[dict[str, Any]]:
        sqs, found = self.client("sqs"), []
        while batch := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", []):
            for message in batch:
                found.append(message)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def run(self, arn: str, payload: Any = None, timeout: float = 10) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        execution = sfn.start_execution(
            stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(payload or {})
        )["executionArn"]
        return self.wait(execution, timeout)

    def wait(self, execution: str, timeout: float = 10) -> dict[str, Any]:
        sfn, deadline = self.client("stepfunctions"), time.monotonic() + timeout
        while time.monotonic() < deadline:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.005)
        raise AssertionError(f"{execution} still running after {timeout} s")


@pytest.fixture(scope="module")
def gaps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gaps]:
    directory: Path = tmp_path_factory.mktemp("gap_handlers")
    module = f"gap_handlers_{uuid.uuid4().hex[:8]}"
    (directory / f"{module}.py").write_text(HANDLERS)
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    try:
        with EmbeddedAws() as aws:
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
            aws.client("iam").create_role(
                RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust)
            )
            yield Gaps(aws, module)
    finally:
        sys.path.remove(str(directory))
        sys.modules.pop(module, None)


@pytest.fixture(autouse=True)
def _fresh_calls(gaps: Gaps) -> None:
    if gaps.module in sys.modules:
        gaps.calls.clear()


# 1. states:startExecution, .sync, .sync:2 -------------------------------------------------


def _parent(resource: str, child: str) -> dict[str, Any]:
    return {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "ChildFailed"}],
                "End": True,
            },
            "ChildFailed": {"Type": "Pass", "End": True},
        },
    }


@pytest.fixture(scope="module")
def child(gaps: Gaps) -> str:
    echo = gaps.function("echo")
    return gaps.state_machine({"StartAt": "Echo", "States": {"Echo": _echo_state(echo)}})


def _echo_state(function: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "ResultSelector": {"result.$": "$.Payload.echoed"},
        "End": True,
    }


def test_start_execution_task_starts_the_child(gaps: Gaps, child: str) -> None:
    done = gaps.run(
        gaps.state_machine(_parent("arn:aws:states:::states:startExecution", child)), {"n": 1}
    )

    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    output = json.loads(done["output"])
    assert set(output) == {"ExecutionArn", "StartDate"}
    assert output["ExecutionArn"].startswith(child.replace(":stateMachine:", ":execution:"))
    assert isinstance(output["StartDate"], int)  # epoch milliseconds, as on AWS
    assert gaps.wait(output["ExecutionArn"])["status"] == "SUCCEEDED"


def test_sync2_returns_the_child_output_as_json(gaps: Gaps, child: str) -> None:
    parent = gaps.state_machine(_parent("arn:aws:states:::states:startExecution.sync:2", child))

    done = gaps.run(parent, {"n": 7})

    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    output = json.loads(done["output"])
    assert output["Status"] == "SUCCEEDED"
    assert output["Output"] == {"result": {"n": 7}}
    assert output["Input"] == {"n": 7}
    assert gaps.calls == [{"n": 7}]


def test_sync_returns_the_child_output_as_a_string(gaps: Gaps, child: str) -> None:
    parent = gaps.state_machine(_parent("arn:aws:states:::states:startExecution.sync", child))

    done = gaps.run(parent, {"n": 3})

    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    output = json.loads(done["output"])
    assert json.loads(output["Output"]) == {"result": {"n": 3}}
    assert {"ExecutionArn", "StateMachineArn", "StartDate", "StopDate"} <= set(output)


@pytest.mark.parametrize("resource", ["startExecution.sync", "startExecution.sync:2"])
def test_a_failed_child_fails_the_parent_task(gaps: Gaps, resource: str) -> None:
    failing = gaps.state_machine(
        {
            "StartAt": "Fail",
            "States": {"Fail": {"Type": "Fail", "Error": "OutOfStock", "Cause": "sku-1"}},
        }
    )
    parent = gaps.state_machine(_parent(f"arn:aws:states:::states:{resource}", failing))

    done = gaps.run(parent, {"n": 0})

    assert done["status"] == "SUCCEEDED", done  # the parent's Catch on States.TaskFailed
    caught = json.loads(done["output"])
    assert caught["Error"] == "States.TaskFailed"
    child_description = json.loads(caught["Cause"])
    assert child_description["Status"] == "FAILED"
    assert child_description["Error"] == "OutOfStock"
    assert child_description["Cause"] == "sku-1"


@pytest.mark.parametrize("resource", ["startExecution.sync", "startExecution.sync:2"])
def test_a_child_that_failed_once_succeeds_when_the_parent_retries(
    gaps: Gaps, resource: str
) -> None:
    flaky = gaps.function("fail_first")
    child = gaps.state_machine({"StartAt": "Echo", "States": {"Echo": _echo_state(flaky)}})
    definition = _parent(f"arn:aws:states:::states:{resource}", child)
    definition["States"]["Child"]["Retry"] = [
        {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2}
    ]

    with fast_interpreter_clock():
        done = gaps.run(gaps.state_machine(definition), {"n": 5})

    history = gaps.client("stepfunctions").get_execution_history(executionArn=done["executionArn"])[
        "events"
    ]
    outcomes = [
        e["type"] for e in history if e["type"] in ("TaskFailed", "TaskTimedOut", "TaskSucceeded")
    ]
    assert outcomes == ["TaskFailed", "TaskSucceeded"]  # not TaskTimedOut on the retry
    assert len(gaps.calls) == 2


# 2. .waitForTaskToken with TimeoutSeconds / HeartbeatSeconds ------------------------------


def _approval(queue_url: str, **timing: int) -> dict[str, Any]:
    return {
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$"},
                },
                **timing,
                "End": True,
            }
        },
    }


def _token(gaps: Gaps, url: str) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if messages := gaps.drain(url):
            return str(json.loads(messages[0]["Body"])["token"])
        time.sleep(0.005)
    raise AssertionError("no task token sent")


@pytest.mark.parametrize(
    ("timing", "error"),
    [
        ({"TimeoutSeconds": 120}, "States.Timeout"),
        ({"TimeoutSeconds": 3600, "HeartbeatSeconds": 60}, "States.HeartbeatTimeout"),
    ],
    ids=["timeout", "heartbeat"],
)
def test_wait_for_task_token_times_out_on_the_fast_clock(
    gaps: Gaps, timing: dict[str, int], error: str
) -> None:
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, **timing))

    started = time.monotonic()
    with fast_interpreter_clock(0.001, timeouts=True) as clock:
        done = gaps.run(machine, {"orderId": "o-1"})

    assert time.monotonic() - started < 5
    assert done["status"] == "FAILED"
    assert done["error"] == error
    assert min(timing.values()) in clock.requested_timeouts
    history = gaps.client("stepfunctions").get_execution_history(executionArn=done["executionArn"])
    assert "TaskTimedOut" in [e["type"] for e in history["events"]]
    scheduled = next(e for e in history["events"] if e["type"] == "TaskScheduled")
    assert scheduled["taskScheduledEventDetails"]["timeoutInSeconds"] == timing["TimeoutSeconds"]


def test_timeouts_are_real_unless_a_test_opts_in(gaps: Gaps) -> None:
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, TimeoutSeconds=1))
    with fast_interpreter_clock(0.001) as clock:
        started = time.monotonic()
        done = gaps.run(machine)
    assert done["error"] == "States.Timeout"
    assert time.monotonic() - started >= 0.9
    assert clock.requested_timeouts == []


def test_send_task_success_and_failure_resume_the_task(gaps: Gaps) -> None:
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, TimeoutSeconds=3600, HeartbeatSeconds=600))
    sfn = gaps.client("stepfunctions")

    with fast_interpreter_clock(0.01, timeouts=True):
        approved = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex)
        token = _token(gaps, url)
        sfn.send_task_heartbeat(taskToken=token)
        sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
        approved_done = gaps.wait(approved["executionArn"])

        rejected = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex)
        sfn.send_task_failure(taskToken=_token(gaps, url), error="Rejected", cause="too risky")
        rejected_done = gaps.wait(rejected["executionArn"])

    assert approved_done["status"] == "SUCCEEDED"
    assert json.loads(approved_done["output"]) == {"approved": True}
    assert rejected_done["status"] == "FAILED"
    assert rejected_done["error"] == "Rejected"
    history = sfn.get_execution_history(executionArn=rejected["executionArn"])["events"]
    failed = next(e["taskFailedEventDetails"] for e in history if e["type"] == "TaskFailed")
    assert (failed["error"], failed.get("cause")) == ("Rejected", "too risky"), history


@pytest.fixture
def task_waits_late(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """A waitForTaskToken task that has sent its request starts waiting (sets up its heartbeat
    endpoint) only once the returned event is set: the window a quick caller can fall into."""
    waits = threading.Event()
    set_up = CallbackEndpoint.setup_heartbeat_endpoint

    def late(endpoint: CallbackEndpoint, heartbeat_seconds: int) -> Any:
        waits.wait(5)
        return set_up(endpoint, heartbeat_seconds)

    monkeypatch.setattr(CallbackEndpoint, "setup_heartbeat_endpoint", late)
    return waits


def test_a_decision_sent_before_a_heartbeat_task_waits_completes_it(
    gaps: Gaps, task_waits_late: threading.Event
) -> None:
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, TimeoutSeconds=3600, HeartbeatSeconds=600))
    sfn = gaps.client("stepfunctions")

    started = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex)
    sfn.send_task_success(taskToken=_token(gaps, url), output=json.dumps({"approved": True}))
    task_waits_late.set()

    done = gaps.wait(started["executionArn"], timeout=5)  # not the 600 s heartbeat
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"approved": True}


@pytest.mark.parametrize("heartbeat", [{"HeartbeatSeconds": 600}, {}], ids=["heartbeat", "none"])
def test_a_heartbeat_sent_before_the_task_waits_is_accepted(
    gaps: Gaps, task_waits_late: threading.Event, heartbeat: dict[str, int]
) -> None:
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, TimeoutSeconds=3600, **heartbeat))
    sfn = gaps.client("stepfunctions")

    started = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex)
    token = _token(gaps, url)
    sfn.send_task_heartbeat(taskToken=token)  # moto: InvalidToken, as if it had expired
    task_waits_late.set()
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))

    assert gaps.wait(started["executionArn"], timeout=5)["status"] == "SUCCEEDED"


# 3. EventBridge targets: Lambda, SNS, Step Functions --------------------------------------


def test_rules_deliver_to_lambda_sns_and_step_functions(gaps: Gaps) -> None:
    events, sns, sfn = (gaps.client(s) for s in ("events", "sns", "stepfunctions"))
    bus = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    machine = gaps.state_machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    function = gaps.function("record")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    topic_url, topic_queue = gaps.queue()
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=topic_queue)
    plain_url, plain_queue = gaps.queue()
    events.put_rule(
        Name="big-orders",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["orders"], "detail": {"total": [{"numeric": [">", 200]}]}}
        ),
    )
    events.put_targets(
        Rule="big-orders",
        EventBusName=bus,
        Targets=[
            {"Id": "machine", "Arn": machine, "RoleArn": ROLE, "InputPath": "$.detail"},
            {
                "Id": "function",
                "Arn": function,
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.orderId"},
                    "InputTemplate": '{"orderId": "<id>"}',
                },
            },
            {"Id": "topic", "Arn": topic},
            {"Id": "queue", "Arn": plain_queue},
        ],
    )

    for total in (150, 250):
        events.put_events(
            Entries=[
                {
                    "EventBusName": bus,
                    "Source": "orders",
                    "DetailType": "OrderPlaced",
                    "Detail": json.dumps({"orderId": f"o-{total}", "total": total}),
                }
            ]
        )

    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == 1
    described = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(described["input"]) == {"orderId": "o-250", "total": 250}
    assert gaps.calls == [{"orderId": "o-250"}]
    published = [json.loads(json.loads(m["Body"])["Message"]) for m in gaps.drain(topic_url)]
    assert [(e["detail-type"], e["detail"]["orderId"]) for e in published] == [
        ("OrderPlaced", "o-250")
    ]
    assert isinstance(published[0]["time"], str)
    assert len(gaps.drain(plain_url)) == 1  # moto's own SQS target still works alongside


def test_a_disabled_rule_delivers_nothing(gaps: Gaps) -> None:
    events = gaps.client("events")
    url, queue = gaps.queue()
    events.put_rule(Name="paused", EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(Rule="paused", Targets=[{"Id": "queue", "Arn": queue}])
    event = {"Source": "orders", "DetailType": "OrderPlaced", "Detail": "{}"}

    events.disable_rule(Name="paused")
    events.put_events(Entries=[event])
    events.enable_rule(Name="paused")
    events.put_events(Entries=[event])

    assert len(gaps.drain(url)) == 1


# 4. Event source mappings -----------------------------------------------------------------


def _table(gaps: Gaps) -> tuple[str, str]:
    name = f"orders-{uuid.uuid4().hex[:8]}"
    created = gaps.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name, str(created["TableDescription"]["LatestStreamArn"])


def _put(gaps: Gaps, table: str, order_id: str, status: str) -> None:
    gaps.client("dynamodb").put_item(
        TableName=table, Item={"orderId": {"S": order_id}, "status": {"S": status}}
    )


def _statuses(batch: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["NewImage"]["status"]["S"] for r in batch["Records"]]


def test_stream_mapping_filters_retries_then_sends_to_on_failure(gaps: Gaps) -> None:
    table, stream = _table(gaps)
    failures_url, failures_arn = gaps.queue()
    function = gaps.function("stream")
    gaps.client("lambda").create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName=function,
        StartingPosition="LATEST",
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
        FilterCriteria={
            "Filters": [
                {
                    "Pattern": json.dumps(
                        {
                            "eventName": ["MODIFY"],
                            "dynamodb": {"NewImage": {"status": {"S": ["SHIPPED", "POISON"]}}},
                        }
                    )
                }
            ]
        },
    )

    _put(gaps, table, "o-1", "PLACED")  # INSERT: filtered out
    _put(gaps, table, "o-1", "PACKED")  # MODIFY to a status the filter does not pass
    _put(gaps, table, "o-1", "SHIPPED")
    _put(gaps, table, "o-2", "PLACED")
    _put(gaps, table, "o-2", "POISON")  # fails: 1 attempt + 2 retries, then discarded

    assert [_statuses(batch) for batch in gaps.calls] == [["SHIPPED"], *[["POISON"]] * 3]
    [failure] = [json.loads(m["Body"]) for m in gaps.drain(failures_url)]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["functionArn"] == function
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == stream
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-")


def test_stream_mapping_bisects_a_failing_batch(gaps: Gaps) -> None:
    table, stream = _table(gaps)
    failures_url, failures_arn = gaps.queue()
    for order_id, status in (("a", "OK"), ("b", "POISON"), ("c", "OK")):
        _put(gaps, table, order_id, status)  # waiting in the stream before the mapping exists
    gaps.client("lambda").create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName=gaps.function("stream"),
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )

    _put(gaps, table, "d", "OK")  # the poll: one batch of four records

    assert [_statuses(batch) for batch in gaps.calls] == [
        ["OK", "POISON", "OK", "OK"],
        ["OK", "POISON"],
        ["OK"],
        ["POISON"],
        ["POISON"],  # the one retry: bisecting did not use it up
        ["OK", "OK"],
    ]
    [failure] = [json.loads(m["Body"]) for m in gaps.drain(failures_url)]
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert failure["requestContext"]["approximateInvokeCount"] == 2


def test_stream_mapping_without_the_features_keeps_moto_behaviour(gaps: Gaps) -> None:
    table, stream = _table(gaps)
    gaps.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName=gaps.function("stream"), StartingPosition="LATEST"
    )
    _put(gaps, table, "x", "POISON")  # fails once, no retry
    _put(gaps, table, "x", "OK")
    assert [_statuses(batch) for batch in gaps.calls] == [["POISON"], ["OK"]]


def _sqs_mapping(gaps: Gaps, queue_arn: str) -> None:
    gaps.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=gaps.function("sqs_partial"),
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
    )


def test_sqs_mapping_filters_and_returns_reported_failures_until_the_dlq(gaps: Gaps) -> None:
    sqs = gaps.client("sqs")
    dlq_url, dlq_arn = gaps.queue()
    url, arn = gaps.queue(
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    )
    for body in (
        {"kind": "order", "id": "good"},
        {"kind": "order", "id": "bad", "fail": True},
        {"kind": "other", "id": "ignored"},
    ):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    sqs.send_message(QueueUrl=url, MessageBody="not json")

    _sqs_mapping(gaps, arn)  # the poller starts: one batch of what is waiting

    delivered = [
        [
            (json.loads(r["body"])["id"], r["attributes"]["ApproximateReceiveCount"])
            for r in b["Records"]
        ]
        for b in gaps.calls
    ]
    assert delivered == [[("good", "1"), ("bad", "1")], [("bad", "2")]]
    [dead] = gaps.drain(dlq_url)
    assert json.loads(dead["Body"])["id"] == "bad"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_mapping_without_a_dlq_leaves_a_reported_failure_visible(gaps: Gaps) -> None:
    sqs = gaps.client("sqs")
    url, arn = gaps.queue()
    _sqs_mapping(gaps, arn)

    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "order", "fail": True}))

    assert len(gaps.calls) == 1
    [message] = gaps.drain(url)
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"  # the mapping's, then ours


# 5. S3 bucket policies ----------------------------------------------------------------------


def test_a_tls_only_bucket_policy_lets_https_requests_through(gaps: Gaps) -> None:
    s3 = gaps.client("s3")
    bucket = f"tls-only-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    arn = f"arn:aws:s3:::{bucket}"
    deny_plain_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    deny_everyone = {key: v for key, v in deny_plain_http.items() if key != "Condition"}

    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny_plain_http]})
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")  # allowed: the request came over https

    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny_everyone]})
    )
    with pytest.raises(s3.exceptions.ClientError, match="403"):
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")


# 6. DynamoDB transactions -------------------------------------------------------------------


def _keyed_table(gaps: Gaps) -> str:
    """A table keyed by ``id``, without a stream."""
    table = f"t-{uuid.uuid4().hex[:8]}"
    gaps.client("dynamodb").create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return table


def test_a_cancelled_transaction_changes_none_of_its_items_and_only_those(gaps: Gaps) -> None:
    dynamodb, table = gaps.client("dynamodb"), _keyed_table(gaps)
    for n in range(3):
        dynamodb.put_item(TableName=table, Item={"id": {"S": f"p{n}"}, "q": {"N": "1"}})

    def add(item: str, condition: str = "attribute_exists(id)") -> dict[str, Any]:
        return {
            "Update": {
                "TableName": table,
                "Key": {"id": {"S": item}},
                "UpdateExpression": "SET q = q + :one",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                add("p0"),
                {"Put": {"TableName": table, "Item": {"id": {"S": "new"}}}},
                add("p1", "attribute_not_exists(id)"),
            ]
        )
    dynamodb.transact_write_items(TransactItems=[add("p2")])

    stored = {
        i["id"]["S"]: i.get("q", {}).get("N") for i in dynamodb.scan(TableName=table)["Items"]
    }
    assert stored == {"p0": "1", "p1": "1", "p2": "2"}


def test_a_transaction_on_a_large_table_takes_no_time_proportional_to_it(gaps: Gaps) -> None:
    dynamodb, table = gaps.client("dynamodb"), _keyed_table(gaps)
    backend_table = dynamodb_backends["123456789012"][gaps.aws.region].tables[table]
    for n in range(20_000):  # straight into moto's table: 20,000 PutItem calls would be slow
        backend_table.put_item({"id": {"S": f"p{n}"}, "q": {"N": "1"}})
    puts = [{"Put": {"TableName": table, "Item": {"id": {"S": f"n{n}"}}}} for n in range(100)]

    started = time.monotonic()
    dynamodb.transact_write_items(TransactItems=puts)

    assert time.monotonic() - started < 2  # moto alone: 100 copies of 20,000 items


def test_concurrent_conditional_writes_let_exactly_one_through(
    gaps: Gaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb, table = gaps.client("dynamodb"), _keyed_table(gaps)
    build_condition = table_models.get_filter_expression

    def slow_condition(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)  # widen the gap between checking the condition and writing
        return build_condition(*args, **kwargs)

    monkeypatch.setattr(table_models, "get_filter_expression", slow_condition)
    claimed: list[str] = []

    def claim(claimant: str) -> None:
        try:
            dynamodb.put_item(
                TableName=table,
                Item={"id": {"S": "order-1"}, "by": {"S": claimant}},
                ConditionExpression="attribute_not_exists(id)",
            )
            claimed.append(claimant)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            pass

    threads = [threading.Thread(target=claim, args=(f"run-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(claimed) == 1, claimed
    stored = dynamodb.get_item(TableName=table, Key={"id": {"S": "order-1"}})["Item"]
    assert stored["by"]["S"] == claimed[0]


def test_a_decision_sent_while_another_execution_starts_reaches_its_task(
    gaps: Gaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = gaps.client("stepfunctions")
    other_url, _ = gaps.queue()
    other = gaps.state_machine(_approval(other_url, TimeoutSeconds=3600, HeartbeatSeconds=600))
    url, _ = gaps.queue()
    machine = gaps.state_machine(_approval(url, TimeoutSeconds=3600, HeartbeatSeconds=600))
    starting = sfn.start_execution(stateMachineArn=other, name=uuid.uuid4().hex)
    _token(gaps, other_url)
    waiting = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex)
    token = _token(gaps, url)
    [execution] = [
        e
        for sm in stepfunctions_backend("123456789012", gaps.aws.region).state_machines
        for e in sm.executions
        if e.exec_arn == starting["executionArn"]
    ]
    monkeypatch.setattr(execution.exec_worker, "env", None)  # as if its thread had not begun

    sfn.send_task_heartbeat(taskToken=token)  # moto alone: AttributeError on the other
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))

    assert gaps.wait(waiting["executionArn"])["status"] == "SUCCEEDED"
