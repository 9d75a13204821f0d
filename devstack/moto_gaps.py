"""Behaviour moto 5.2.5 lacks and the workflows rely on, added as small documented patches.

``EmbeddedAws`` starts every patcher :func:`patches` returns and stops them on exit. Each patch
wraps one moto method, says which AWS behaviour it adds, and hands over to moto's own code
whenever the feature it adds is not in use, so resources that do not use it behave exactly as
moto has them:

1. :func:`sfn_parameter_casing`: ``states:startExecution`` tasks (plain, ``.sync``,
   ``.sync:2``) reach boto3 with the ASL's casing and fail with ``KeyError``;
   :func:`send_task_failure_cause`: SendTaskFailure drops its ``cause``;
   :func:`heartbeat_timeout_name`: a missed heartbeat fails as ``States.Timeout``;
   :func:`sync_retry`: a retried ``.sync``/``.sync:2`` task times out at once;
   :func:`early_decision`: a decision sent before a heartbeat task waits is seen hours late;
   :func:`early_heartbeat`: a heartbeat sent before the task waits fails with InvalidToken;
   :func:`callbacks_skip_starting_executions`: a task token call made while another
   execution is starting fails with ``AttributeError``.
2. :func:`eventbridge_targets`: rules deliver to Lambda, SNS and Step Functions targets.
3. :func:`sqs_event_source_mappings`: SQS mappings apply FilterCriteria and partial batch
   responses (``ReportBatchItemFailures``).
4. :func:`stream_event_source_mappings`: DynamoDB stream mappings apply FilterCriteria,
   MaximumRetryAttempts, BisectBatchOnFunctionError, ReportBatchItemFailures and the
   OnFailure destination.

5. :func:`bucket_policy_transport`: bucket policies see ``aws:SecureTransport`` (the usual
   TLS-only Deny otherwise denies every request).
6. :func:`transactions_snapshot_their_items`: TransactWriteItems deep-copies every table it
   touches once per action, so a 100-action transaction on a large table takes seconds, and
   its rollback overwrites other writers' concurrent changes;
   :func:`conditional_writes_are_atomic`: two threads' conditional writes to one item can
   both pass their condition.

Filters are applied here, from the mapping's own FilterCriteria, with moto's EventBridge
pattern matcher (Lambda's filter syntax is EventBridge's); never in handlers or tests.
"""

import copy
import functools
import json
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast
from unittest import mock

import botocore.session
from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend as lambda_backend
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import iso_8601_datetime_without_milliseconds, unix_time
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.events.models import EventPattern, Rule
from moto.events.utils import EventTemplateParser
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket
from moto.sns.models import sns_backends
from moto.sqs.models import Message, Queue, sqs_backends
from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (  # noqa: E501
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.eval.callback.callback import (
    CallbackEndpoint,
    HeartbeatEndpoint,
    HeartbeatTimeoutError,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from devstack.emulator_lock import EMULATOR_LOCK

Patcher = Any  # what mock.patch.object returns (a private class of unittest.mock)

_ORIGINAL_SFN_NORMALISE_PARAMETERS = StateTaskServiceSfn._normalise_parameters
_ORIGINAL_TASK_FROM_ERROR = StateTask._from_error
_ORIGINAL_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
_ORIGINAL_ITEM_WRITES = {
    name: getattr(DynamoDBBackend, name) for name in ("put_item", "update_item", "delete_item")
}
_ORIGINAL_EVAL_SYNC = StateTaskServiceCallback._eval_sync
_ORIGINAL_SETUP_HEARTBEAT = CallbackEndpoint.setup_heartbeat_endpoint
_ORIGINAL_NOTIFY_HEARTBEAT = CallbackEndpoint.notify_heartbeat
_ORIGINAL_GET_EXECUTIONS = StepFunctionsParserBackend._get_executions
_ORIGINAL_SEND_TO_TARGETS = Rule.send_to_targets
_ORIGINAL_SEND_SQS_BATCH = LambdaBackend.send_sqs_batch
_ORIGINAL_CREATE_MAPPING = LambdaBackend.create_event_source_mapping
_ORIGINAL_SEND_DYNAMODB_ITEMS = LambdaBackend.send_dynamodb_items


def patches() -> list[Patcher]:
    return [
        *sfn_parameter_casing(),
        *send_task_failure_cause(),
        *heartbeat_timeout_name(),
        *sync_retry(),
        *early_decision(),
        *early_heartbeat(),
        *callbacks_skip_starting_executions(),
        *eventbridge_targets(),
        *sqs_event_source_mappings(),
        *stream_event_source_mappings(),
        *bucket_policy_transport(),
        *transactions_snapshot_their_items(),
        *conditional_writes_are_atomic(),
    ]


# 1. Step Functions: startExecution, .sync and .sync:2 ------------------------------------


@functools.cache
def _sfn_operation(snake_action: str) -> Any:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    return model.operation_model("".join(part.title() for part in snake_action.split("_")))


def sfn_parameter_casing() -> list[Patcher]:
    """Map ``states:`` task parameters and results between ASL and boto3 casing.

    moto's copy of the interpreter dropped the shape-driven normalisation of LocalStack's
    ``StateTaskService`` (its base ``_normalise_parameters``/``_normalise_response`` do
    nothing). For ``states:startExecution`` that sends ``StateMachineArn``/``Input``/``Name``
    to boto3, which wants ``stateMachineArn``/``input``/``name`` (``KeyError``), and leaves
    the answers camelCased, so ``.sync``/``.sync:2`` cannot read ``ExecutionArn``. This puts
    the normalisation back for the ``states`` integration only, from the botocore model, with
    the interpreter's own ``_to_boto_request``/``_from_boto_response``; it also names an
    unnamed child with a UUID and turns the answers' timestamps (datetimes, which would break
    DescribeExecution of the parent) into epoch milliseconds, as AWS does. On AWS the task result
    is ``{"ExecutionArn", "StartDate"}``; with ``.sync`` the child's DescribeExecution in ASL
    casing (``Output`` a string), with ``.sync:2`` the same with ``Input``/``Output`` parsed.
    Hook: ``state_task_service_sfn.StateTaskServiceSfn._normalise_parameters`` and
    ``_normalise_response``.
    """

    def normalise_parameters(
        self: StateTaskServiceSfn,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        _ORIGINAL_SFN_NORMALISE_PARAMETERS(self, parameters, boto_service_name, service_action_name)
        action = self._get_boto_service_action(service_action_name)
        shape = _sfn_operation(action).input_shape
        if shape is not None:
            self._to_boto_request(parameters, shape)
        if action == "start_execution" and not parameters.get("name"):
            # AWS names an unnamed execution with a UUID; moto would name every one "None".
            parameters["name"] = str(uuid.uuid4())

    def normalise_response(
        self: StateTaskServiceSfn,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        action = self._get_boto_service_action(service_action_name)
        shape = _sfn_operation(action).output_shape
        if shape is not None:
            self._from_boto_response(response, shape)
        if isinstance(response, dict):
            for key, value in response.items():
                if isinstance(value, datetime):
                    # Step Functions serialises timestamps in task results as epoch millis.
                    response[key] = int(value.timestamp() * 1000)

    return [
        mock.patch.object(StateTaskServiceSfn, "_normalise_parameters", normalise_parameters),
        mock.patch.object(StateTaskServiceSfn, "_normalise_response", normalise_response),
    ]


def send_task_failure_cause() -> list[Patcher]:
    """Pass SendTaskFailure's ``cause`` on to the waiting task.

    moto's response handler reads only ``taskToken`` and ``error``, so a rejected
    ``.waitForTaskToken`` task fails with its error but no cause. The backend takes a cause.
    Hook: ``moto.stepfunctions.responses.StepFunctionResponse.send_task_failure``.
    """

    def send_task_failure(self: StepFunctionResponse) -> ActionResult:
        backend: Any = self.stepfunction_backend  # the parser backend, which takes a cause
        backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    return [mock.patch.object(StepFunctionResponse, "send_task_failure", send_task_failure)]


def heartbeat_timeout_name() -> list[Patcher]:
    """Name a missed heartbeat ``States.HeartbeatTimeout``, as AWS does.

    moto's interpreter turns every ``TimeoutError`` of a task, including its
    ``HeartbeatTimeoutError``, into ``States.Timeout``. A Catch on ``States.Timeout`` alone
    would behave the same either way; the error's name in the history and in ``$.error``
    would not. Hook: ``StateTask._from_error``.
    """

    def from_error(self: StateTask, env: Any, ex: Exception) -> FailureEvent:
        if not isinstance(ex, HeartbeatTimeoutError):
            return _ORIGINAL_TASK_FROM_ERROR(self, env, ex)
        name = StatesErrorNameType.StatesHeartbeatTimeout
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.TaskTimedOut,
            event_details=cast(  # a total TypedDict that moto itself fills with one key
                EventDetails,
                {"taskTimedOutEventDetails": TaskTimedOutEventDetails(error=name.to_name())},
            ),
        )

    return [mock.patch.object(StateTask, "_from_error", from_error)]


def sync_retry() -> list[Patcher]:
    """Let a retried ``.sync`` / ``.sync:2`` task wait for its new child.

    moto also listens for a task token on these tasks. The token comes from the context
    object and is the same on every attempt of the state; the first attempt's end interrupts
    its callback endpoint, so on a retry the token wait returns at once and the task fails
    with ``States.Timeout`` while its child runs on. A ``.sync`` task has no task token on
    AWS, so here it does not listen for one; ``.waitForTaskToken`` tasks are unchanged.
    Hook: ``StateTaskServiceCallback._eval_sync``.
    """

    def eval_sync(
        self: StateTaskServiceCallback,
        env: Any,
        sync_resolver: Any,
        timeout_seconds: int | None,
        callback_endpoint: Any,
        heartbeat_endpoint: Any,
    ) -> Any:
        return _ORIGINAL_EVAL_SYNC(
            self,
            env=env,
            sync_resolver=sync_resolver,
            timeout_seconds=timeout_seconds,
            callback_endpoint=None,
            heartbeat_endpoint=heartbeat_endpoint,
        )

    return [mock.patch.object(StateTaskServiceCallback, "_eval_sync", eval_sync)]


def early_decision() -> list[Patcher]:
    """Let a ``.waitForTaskToken`` task with HeartbeatSeconds see a decision sent early.

    Such a task sends its request (the token is out), records TaskSubmitted, and only then
    sets up the heartbeat endpoint it waits on; a decision only wakes that endpoint if it
    already exists. So SendTaskSuccess/SendTaskFailure for a request read at once (a quick
    reviewer, a test) is stored but unseen until HeartbeatSeconds pass, hours later. On AWS
    the decision completes the task. Here a heartbeat endpoint set up after the decision is
    woken at once. Hook: ``CallbackEndpoint.setup_heartbeat_endpoint``.
    """

    def setup_heartbeat_endpoint(
        self: CallbackEndpoint, heartbeat_seconds: int
    ) -> HeartbeatEndpoint:
        endpoint: HeartbeatEndpoint = _ORIGINAL_SETUP_HEARTBEAT(self, heartbeat_seconds)
        if self.get_outcome() is not None:  # notify() ran before the endpoint existed
            untyped: Any = endpoint  # moto leaves notify() unannotated
            untyped.notify()
        return endpoint

    return [
        mock.patch.object(CallbackEndpoint, "setup_heartbeat_endpoint", setup_heartbeat_endpoint)
    ]


def early_heartbeat() -> list[Patcher]:
    """Accept a heartbeat for a token that is out but whose task does not wait on it yet.

    The same window as :func:`early_decision`: between sending its request and setting up the
    heartbeat endpoint (which a task without HeartbeatSeconds never does), moto finds the token
    but reports no one to notify, and SendTaskHeartbeat fails with InvalidToken. On AWS the
    token is valid from the moment it is sent, and the heartbeat succeeds. A reviewer's tool
    that reads the request at once and heartbeats it (``make approvals``, the console's
    Approvals page) took that for an expired token and removed the request. Here the heartbeat
    is accepted: the wait has not started, so there is no timer to reset yet.
    Hook: ``CallbackEndpoint.notify_heartbeat``.
    """

    def notify_heartbeat(self: CallbackEndpoint) -> bool:
        return bool(_ORIGINAL_NOTIFY_HEARTBEAT(self)) or self.get_outcome() is None

    return [mock.patch.object(CallbackEndpoint, "notify_heartbeat", notify_heartbeat)]


def callbacks_skip_starting_executions() -> list[Patcher]:
    """Let SendTaskSuccess/Failure/Heartbeat ignore executions that are still starting.

    moto looks for the token's waiting task in every running execution, reading each one's
    ``exec_worker.env``; an execution started a moment ago has its worker but not yet the
    environment its thread builds, so a decision or heartbeat sent then fails with
    ``AttributeError`` for every execution. On AWS the call is unaffected by other
    executions. Such an execution cannot hold the token yet, so it is left out of the search.
    Hook: ``StepFunctionsParserBackend._get_executions``.
    """

    def get_executions(self: StepFunctionsParserBackend, execution_status: Any = None) -> Any:
        executions = _ORIGINAL_GET_EXECUTIONS(self, execution_status)
        return [e for e in executions if e.exec_worker is None or e.exec_worker.env is not None]

    return [mock.patch.object(StepFunctionsParserBackend, "_get_executions", get_executions)]


# 2. EventBridge targets --------------------------------------------------------------------

_ADDED_TARGET_SERVICES = frozenset({"lambda", "sns", "states"})


def _target_service(target: dict[str, Any]) -> str:
    return str(target["Arn"]).split(":")[2]


def _json_path(document: Any, path: str) -> Any:
    """A simple JSONPath (``$`` or ``$.a.b``), as InputPath is used in practice."""
    value = document
    for key in path.removeprefix("$").split(".")[1:] if path != "$" else []:
        value = value[key]
    return value


def _target_input(target: dict[str, Any], event: dict[str, Any], transform: bool) -> str:
    """The text a target receives: Input, InputPath, InputTransformer, or the event itself."""
    if "Input" in target:
        return str(target["Input"])
    delivered = {key: value for key, value in event.items() if key != "ingestion-time"}
    if isinstance(delivered.get("time"), int | float):
        delivered["time"] = iso_8601_datetime_without_milliseconds(
            datetime.fromtimestamp(float(delivered["time"]), UTC)
        )
    if "InputPath" in target:
        return json.dumps(_json_path(delivered, str(target["InputPath"])))
    transformer = target.get("InputTransformer")
    if transform and transformer:
        shaped = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=cast(Any, {**event, "time": delivered["time"]}),
        )
        return shaped if isinstance(shaped, str) else json.dumps(shaped)
    return json.dumps(delivered)


def _deliver_to_target(rule: Rule, target: dict[str, Any], body: str) -> None:
    arn = str(target["Arn"])
    account, region = rule.account_id, rule.region_name
    service = _target_service(target)
    if service == "states":
        stepfunctions_backend(account, region).start_execution(
            state_machine_arn=arn, name=str(uuid.uuid4()), execution_input=body
        )
    elif service == "sns":
        sns_backends[account][region].publish(message=body, arn=arn)
    else:
        function = lambda_backend(account, region).get_function(arn)
        # Asynchronous invocation: the caller never sees the function's result or error.
        function.invoke(body, {"x-amz-invocation-type": "Event"}, {})


def _s3_event_as_aws_sends_it(event: Any) -> Any:
    uploaded = event.get("detail", {}).get("object") if isinstance(event, dict) else None
    if event.get("source") != "aws.s3" or not isinstance(uploaded, dict) or "eTag" not in uploaded:
        return event
    renamed = {("etag" if key == "eTag" else key): value for key, value in uploaded.items()}
    return {**event, "detail": {**event["detail"], "object": renamed}}


def eventbridge_targets() -> list[Patcher]:
    """Deliver rule matches to Lambda, SNS and Step Functions targets.

    moto delivers to SQS, log groups, buses and API destinations and raises
    ``NotImplementedError`` for any other target. For these three the event (after the
    rule's pattern matched, as moto checks it) is shaped by the target's ``Input``,
    ``InputPath`` or ``InputTransformer`` and then: Step Functions starts an execution with it
    as input (named by a UUID, as EventBridge does); SNS publishes it as the message; Lambda
    is invoked asynchronously (one attempt: AWS's two async retries are not modelled). The
    other targets go to moto's own code unchanged. A disabled rule (DisableRule) delivers
    nothing, as on AWS; moto delivers regardless. S3's ``Object Created`` events name the
    object's ETag ``etag``, as AWS does (moto writes ``eTag``).
    Hook: ``moto.events.models.Rule.send_to_targets``.
    """

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if self.state != "ENABLED":
            return None
        original_event = _s3_event_as_aws_sends_it(original_event)
        added = [t for t in self.targets if _target_service(t) in _ADDED_TARGET_SERVICES]
        if not added:
            return _ORIGINAL_SEND_TO_TARGETS(self, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        others = [t for t in self.targets if _target_service(t) not in _ADDED_TARGET_SERVICES]
        if others:
            # The same rule with only moto's targets (object.__new__: not a tracked instance).
            view: Rule = object.__new__(cast(Any, Rule))
            view.__dict__.update(self.__dict__, targets=others)
            _ORIGINAL_SEND_TO_TARGETS(view, original_event, transform_input)
        for target in added:
            _deliver_to_target(self, target, _target_input(target, original_event, transform_input))
        return None

    return [mock.patch.object(Rule, "send_to_targets", send_to_targets)]


# Event source mappings: shared -----------------------------------------------------------


def _mapping(
    backend: LambdaBackend, function_arn: str, source_arn: str
) -> EventSourceMapping | None:
    for mapping in backend.list_event_source_mappings(source_arn, ""):
        if mapping.function_arn == function_arn:
            return mapping
    return None


def _filters(mapping: EventSourceMapping) -> list[EventPattern]:
    criteria = mapping.filter_criteria or {}
    return [EventPattern.load(f["Pattern"]) for f in criteria.get("Filters", [])]


def _passes(filters: Sequence[EventPattern], record: dict[str, Any]) -> bool:
    """Lambda's rule: no filters pass everything; otherwise any one filter must match."""
    return not filters or any(f.matches_event(cast(Any, record)) for f in filters)


def _reports_item_failures(mapping: EventSourceMapping) -> bool:
    return "ReportBatchItemFailures" in (mapping.function_response_types or [])


def _invoke(function: LambdaFunction, records: list[dict[str, Any]]) -> tuple[bool, Any]:
    """Invoke with ``{"Records": records}``; return ``(errored, parsed payload)``."""
    headers: dict[str, Any] = {}
    payload = function.invoke(json.dumps({"Records": records}), {}, headers)
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        result = None
    return "x-amz-function-error" in headers, result


def _failed_identifiers(result: Any, known: Sequence[str]) -> list[str] | None:
    """The ``batchItemFailures`` ids of a partial batch response; ``None`` if it is invalid.

    Lambda treats an invalid response (an id missing, empty or not in the batch) as a failure
    of the whole batch.
    """
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return []
    ids = []
    for failure in result["batchItemFailures"]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in known:
            return None
        ids.append(str(identifier))
    return ids


# 3. SQS -> Lambda --------------------------------------------------------------------------


def _sqs_record(message: Message, queue: Queue, region: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        },
        "messageAttributes": {},
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.queue_arn,
        "awsRegion": region,
    }
    if queue.fifo_queue:
        record["attributes"].update(
            MessageGroupId=message.group_id, MessageDeduplicationId=message.deduplication_id
        )
    return record


def _with_parsed_body(record: dict[str, Any]) -> dict[str, Any]:
    """The record a filter sees: a JSON object body is matched as JSON, as Lambda does."""
    try:
        body = json.loads(record["body"])
    except ValueError:
        return record
    return {**record, "body": body} if isinstance(body, dict) else record


def _settle_sqs_batch(
    backend: LambdaBackend, mapping: EventSourceMapping, queue: Queue, batch: list[Message]
) -> bool:
    """Filter, invoke and settle one received batch; return whether any message went back."""
    sqs = sqs_backends[queue.account_id][queue.region]
    filters = _filters(mapping)
    records = {m.id: _sqs_record(m, queue, queue.region) for m in batch}
    matched = [m for m in batch if _passes(filters, _with_parsed_body(records[m.id]))]
    for message in batch:
        if message not in matched:  # Lambda deletes messages its filters drop
            sqs.delete_message(queue.name, str(message.receipt_handle))
    if not matched:
        return False
    function = backend.get_function_by_arn(mapping.function_arn)
    assert function is not None
    errored, result = _invoke(function, [records[m.id] for m in matched])
    failed: set[str] = {m.id for m in matched}
    if not errored:
        ids = _failed_identifiers(result, [m.id for m in matched])
        if not _reports_item_failures(mapping):
            failed = set()
        elif ids is not None:
            failed = set(ids)
    for message in matched:
        if message.id in failed:
            sqs.change_message_visibility(queue.name, str(message.receipt_handle), 0)
        else:
            sqs.delete_message(queue.name, str(message.receipt_handle))
    return bool(failed)


def _poll_sqs(
    backend: LambdaBackend, mapping: EventSourceMapping, queue: Queue, batch: list[Message]
) -> None:
    """Settle ``batch``; while messages go back and the queue has a redrive policy, poll again.

    Repolling at once stands for the visibility timeout passing: each receive counts, and
    moto's ``receive_message`` moves a message received ``maxReceiveCount`` times to the DLQ,
    as SQS does. Without a redrive policy a failed message stays visible in the queue until
    the next poll (the next message sent), where AWS would retry it until it expires.
    """
    sqs = sqs_backends[queue.account_id][queue.region]
    policy = queue.redrive_policy if queue.dead_letter_queue is not None else None
    rounds = int(policy["maxReceiveCount"]) + 1 if policy else 1
    for round_ in range(rounds):
        if not batch or not _settle_sqs_batch(backend, mapping, queue, batch):
            return
        if round_ + 1 < rounds:
            batch = sqs.receive_message(
                queue.name, mapping.batch_size, 0, _visibility_timeout(queue)
            )


def _visibility_timeout(queue: Queue) -> int:
    return int(queue.visibility_timeout)  # type: ignore[attr-defined]


def _queue(arn: str) -> Queue:
    _, _, _, region, account, name = arn.split(":")
    queue: Queue = sqs_backends[account][region].get_queue(name)
    return queue


def _sqs_mapping_is_extended(mapping: EventSourceMapping | None) -> bool:
    return mapping is not None and bool(mapping.filter_criteria or _reports_item_failures(mapping))


def sqs_event_source_mappings() -> list[Patcher]:
    """SQS mappings: FilterCriteria and partial batch responses.

    moto invokes the function once per received message, ignores FilterCriteria and the
    response, and deletes or returns the whole batch. For a mapping with FilterCriteria or
    ``FunctionResponseTypes: ["ReportBatchItemFailures"]`` this invokes once per batch (as
    Lambda does) with the messages that pass a filter (the others are deleted unprocessed);
    a function error returns the whole batch to the queue; otherwise the ids in
    ``batchItemFailures`` go back (visible again) and the rest are deleted, and an invalid
    response fails the whole batch. See :func:`_poll_sqs` for redelivery and the DLQ. It also
    polls when such a mapping is created, so messages already waiting are delivered (as
    Lambda's poller starts at once), in one batch. Other mappings keep moto's behaviour.
    Hooks: ``moto.awslambda.models.LambdaBackend.send_sqs_batch`` (called by
    ``moto.sqs.models.Queue.add_message``) and ``LambdaBackend.create_event_source_mapping``.
    """

    def send_sqs_batch(
        self: LambdaBackend, function_arn: str, messages: list[Message], queue_arn: str
    ) -> bool:
        mapping = _mapping(self, function_arn, queue_arn)
        if mapping is None or not _sqs_mapping_is_extended(mapping):
            return _ORIGINAL_SEND_SQS_BATCH(self, function_arn, messages, queue_arn)
        batch = list(messages)
        # Every message is settled here, so the caller's delete-all loop has nothing to do.
        messages.clear()
        _poll_sqs(self, mapping, _queue(queue_arn), batch)
        return True

    def create_event_source_mapping(
        self: LambdaBackend, spec: dict[str, Any]
    ) -> EventSourceMapping:
        mapping = _ORIGINAL_CREATE_MAPPING(self, spec)
        is_sqs = mapping.event_source_arn.split(":")[2] == "sqs"
        if is_sqs and mapping.enabled and _sqs_mapping_is_extended(mapping):
            queue = _queue(mapping.event_source_arn)
            sqs = sqs_backends[queue.account_id][queue.region]
            waiting = sqs.receive_message(
                queue.name, mapping.batch_size, 0, _visibility_timeout(queue)
            )
            _poll_sqs(self, mapping, queue, waiting)
        return mapping

    return [
        mock.patch.object(LambdaBackend, "send_sqs_batch", send_sqs_batch),
        mock.patch.object(
            LambdaBackend, "create_event_source_mapping", create_event_source_mapping
        ),
    ]


# 4. DynamoDB Streams -> Lambda -------------------------------------------------------------


def _stream_record(item: Any, source: str, region: str) -> dict[str, Any]:
    """The record moto's ``send_dynamodb_items`` builds from a ``StreamRecord``."""
    record = item.to_json()
    dynamodb = dict(record["dynamodb"])
    if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
        dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record["eventVersion"],
        "eventSource": record["eventSource"],
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": source,
    }


def _shard_id(stream_arn: str) -> str:
    _, _, _, region, account, resource = stream_arn.split(":", 5)
    table = dynamodb_backends[account][region].get_table(resource.split("/")[1])
    return str(table.stream_shard.id) if table.stream_shard else ""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _send_stream_failure(
    mapping: EventSourceMapping,
    batch: list[dict[str, Any]],
    invokes: int,
    errored: bool,
    shard_id: str,
) -> None:
    """Send the OnFailure record for a discarded batch, in the shape Lambda sends it."""
    destination = ((mapping.destination_config or {}).get("OnFailure") or {}).get("Destination")
    if not destination:
        return
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if errored:
        response_context["functionError"] = "Unhandled"
    first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
    record = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": mapping.function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invokes,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
            "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
            "batchSize": len(batch),
            "streamArn": mapping.event_source_arn,
        },
    }
    _, _, service, region, account, resource = destination.split(":", 5)
    if service == "sqs":
        sqs_backends[account][region].send_message(resource, json.dumps(record))
    elif service == "sns":
        sns_backends[account][region].publish(message=json.dumps(record), arn=destination)


def _deliver_stream_batch(
    function: LambdaFunction,
    mapping: EventSourceMapping,
    batch: list[dict[str, Any]],
    retries_left: int,
    shard_id: str,
) -> None:
    """Invoke until the batch succeeds, bisecting and retrying as the mapping says.

    A failure (a function error, or the first record a partial batch response names; the
    records before it are checkpointed) is bisected when BisectBatchOnFunctionError is on,
    which does not use up retries; otherwise it is retried while MaximumRetryAttempts allows,
    then discarded to the OnFailure destination.
    """
    invokes = 0
    while True:
        invokes += 1
        errored, result = _invoke(function, batch)
        failed_from: int | None = 0 if errored else None
        if not errored and _reports_item_failures(mapping):
            numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
            ids = _failed_identifiers(result, numbers)
            failed_from = 0 if ids is None else min((numbers.index(i) for i in ids), default=None)
        if failed_from is None:
            return
        batch = batch[failed_from:]
        if mapping.bisect_on_error and len(batch) > 1:
            half = len(batch) // 2
            for part in (batch[:half], batch[half:]):
                _deliver_stream_batch(function, mapping, part, retries_left, shard_id)
            return
        if retries_left <= 0:
            _send_stream_failure(mapping, batch, invokes, errored, shard_id)
            return
        retries_left -= 1


def _stream_mapping_is_extended(mapping: EventSourceMapping | None) -> bool:
    return mapping is not None and bool(
        mapping.filter_criteria
        or mapping.bisect_on_error
        or (mapping.max_retry_attempts is not None and mapping.max_retry_attempts >= 0)
        or mapping.destination_config
        or _reports_item_failures(mapping)
    )


def stream_event_source_mappings() -> list[Patcher]:
    """DynamoDB stream mappings: filters, bounded retries, bisect, partial batches, OnFailure.

    moto invokes the function once with the new records and moves on whatever it returns.
    For a mapping that sets FilterCriteria, MaximumRetryAttempts, BisectBatchOnFunctionError,
    DestinationConfig or ReportBatchItemFailures, this drops the records no filter matches
    (without invoking the function for them), splits the rest into BatchSize batches and
    delivers each as :func:`_deliver_stream_batch` says. MaximumRetryAttempts unset or -1
    (infinite on AWS, until the record expires after 24 hours) means no retry here, as moto
    does. Other mappings keep moto's behaviour. Hook:
    ``moto.awslambda.models.LambdaBackend.send_dynamodb_items`` (called by
    ``moto.dynamodb.models.table.StreamShard.add``).
    """

    def send_dynamodb_items(
        self: LambdaBackend, function_arn: str, items: list[Any], source: str
    ) -> str | bytes:
        mapping = _mapping(self, function_arn, source)
        if mapping is None or not _stream_mapping_is_extended(mapping):
            return _ORIGINAL_SEND_DYNAMODB_ITEMS(self, function_arn, items, source)
        filters = _filters(mapping)
        records = [_stream_record(item, source, self.region_name) for item in items]
        records = [r for r in records if _passes(filters, r)]
        function = self.get_function_by_arn(function_arn)
        assert function is not None
        retries = mapping.max_retry_attempts
        retries = retries if retries is not None and retries >= 0 else 0
        shard_id = _shard_id(source)
        size = mapping.batch_size
        for start in range(0, len(records), size):
            _deliver_stream_batch(
                function, mapping, records[start : start + size], retries, shard_id
            )
        return "{}"  # truthy: moto then drops the delivered records from its buffer

    return [mock.patch.object(LambdaBackend, "send_dynamodb_items", send_dynamodb_items)]


# 5. S3 bucket policies ----------------------------------------------------------------------


_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}  # boto3 reaches moto over https


def _condition_holds(condition: dict[str, dict[str, Any]]) -> bool:
    for operator, keys in condition.items():
        for key, expected in keys.items():
            actual = _REQUEST_CONTEXT.get(key)
            wanted = [
                str(v).lower() for v in (expected if isinstance(expected, list) else [expected])
            ]
            if operator not in ("Bool", "StringEquals"):
                raise NotImplementedError(f"bucket policy condition operator {operator}")
            if actual is None or actual.lower() not in wanted:
                return False
    return True


def bucket_policy_transport() -> list[Patcher]:
    """Evaluate a bucket policy's conditions against the request's transport.

    moto evaluates a bucket's policy on every request, but its evaluator (written for trust
    policies) knows only ``StringEquals``, has no request context, and answers DENIED for any
    statement whose condition fails, whatever its Effect. So the standard TLS-only statement
    (Deny when ``aws:SecureTransport`` is "false") denies every request. Here a statement's
    condition is evaluated first, with ``aws:SecureTransport`` true (boto3 reaches the
    in-process moto over https): a statement whose condition does not hold does not apply, and
    the rest go to moto's evaluator without conditions. Hook: ``FakeBucket.get_permission``.
    """

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document["Statement"]
        applicable = [
            {key: value for key, value in statement.items() if key != "Condition"}
            for statement in (statements if isinstance(statements, list) else [statements])
            if _condition_holds(statement.get("Condition", {}))
        ]
        if not applicable:
            return PermissionResult.NEUTRAL
        policy = IAMPolicy(json.dumps({**document, "Statement": applicable}))
        return policy.is_action_permitted(action, resource)

    return [mock.patch.object(FakeBucket, "get_permission", get_permission)]


# 6. DynamoDB transactions -------------------------------------------------------------------

_IN_TRANSACTION = threading.local()


class _TransactionCopy:
    """``copy`` as moto's DynamoDB models see it: inside a transaction a Table is not copied
    (the wrapper below snapshots the items the transaction touches instead)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if getattr(_IN_TRANSACTION, "active", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _touched_key(table: Table, operation: dict[str, Any]) -> tuple[Any, Any]:
    attributes = operation.get("Key") or operation.get("Item") or {}
    hash_value = DynamoType(attributes[table.hash_key_attr])
    range_attr = table.range_key_attr
    return hash_value, DynamoType(attributes[range_attr]) if range_attr else None


def transactions_snapshot_their_items() -> list[Patcher]:
    """Roll a failed TransactWriteItems back item by item, instead of table by table.

    moto backs up each table a transaction touches with ``copy.deepcopy`` once per action and,
    on failure, puts the copies back. On a table of 100,000 items (a bulk inventory import)
    that is seconds per transaction, and restoring whole tables undoes writes other threads
    made meanwhile (a Map's iterations run concurrently). Here the transaction runs with
    tables left uncopied, the items it names are snapshotted first, and on failure exactly
    those are restored. The semantics AWS gives (all or nothing, per transaction) are kept.
    Hook: ``DynamoDBBackend.transact_write_items`` (and ``copy`` in moto's DynamoDB models).
    """

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with EMULATOR_LOCK:  # atomic against other writers (conditional_writes_are_atomic)
            _transact_write_items(self, transact_items)

    def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots: dict[tuple[str, Any, Any], Any] = {}
        for entry in transact_items:
            operation = next(iter(entry.values()))
            table = self.tables.get(operation.get("TableName"))
            if table is None:
                continue
            try:
                hash_value, range_value = _touched_key(table, operation)
            except KeyError:
                continue  # moto's own validation reports it
            held = table.items.get(hash_value)
            if range_value is not None:
                held = held.get(range_value) if held else None
            key = (table.name, hash_value, range_value)
            snapshots.setdefault(key, copy.deepcopy(held))
        _IN_TRANSACTION.active = True
        try:
            _ORIGINAL_TRANSACT_WRITE_ITEMS(self, transact_items)
        except Exception:
            for (table_name, hash_value, range_value), item in snapshots.items():
                items = self.tables[table_name].items
                if range_value is None:
                    if item is None:
                        items.pop(hash_value, None)
                    else:
                        items[hash_value] = item
                elif item is None:
                    items.get(hash_value, {}).pop(range_value, None)
                else:
                    items[hash_value][range_value] = item
            raise
        finally:
            _IN_TRANSACTION.active = False

    return [
        mock.patch.object(DynamoDBBackend, "transact_write_items", transact_write_items),
        mock.patch.object(dynamodb_models, "copy", _TransactionCopy()),
    ]


def conditional_writes_are_atomic() -> list[Patcher]:
    """Make each PutItem, UpdateItem and DeleteItem check its condition and write as one step.

    moto evaluates a ConditionExpression and then writes, with nothing in between to stop
    another thread, so two executions claiming one order at the same moment (a duplicate
    OrderPlaced, each run on its own thread) can both pass ``attribute_not_exists(...)``;
    DynamoDB makes a conditional write atomic. Here the single-item writes and
    TransactWriteItems take ``devstack.emulator_lock.EMULATOR_LOCK``, the lock in-process
    Lambda invocations take too (a write's consumers run Lambdas on the writing thread, and
    Lambdas write: two locks would deadlock).
    Hook: ``DynamoDBBackend.put_item``, ``update_item``, ``delete_item`` (and
    ``transact_write_items`` takes the same lock in :func:`transactions_snapshot_their_items`).
    """

    def serialised(write: Any) -> Any:
        @functools.wraps(write)
        def locked(*args: Any, **kwargs: Any) -> Any:
            with EMULATOR_LOCK:
                return write(*args, **kwargs)

        return locked

    patchers = [
        mock.patch.object(DynamoDBBackend, name, serialised(write))
        for name, write in _ORIGINAL_ITEM_WRITES.items()
    ]
    return patchers
