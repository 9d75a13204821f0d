"""Create every resource the workflows need, through the AWS APIs, on any endpoint.

This is the no-Terraform path: the embedded emulator (moto, in-process) and the local
emulator use it, and it builds the same resources, with the same names, that
``terraform/`` declares. State machine definitions are rendered from ``statemachines/`` with
the same placeholder names Terraform's templatefile uses. One difference: Terraform publishes
versions behind a ``live`` alias that every caller names (safe rollouts, ``devstack/release.py``);
the emulator stacks have one version of everything, so here callers name the functions and
state machines themselves (tests/infra compares the two through the aliases).
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack import asl
from devstack.paths import EVENT_PATTERNS_DIR, LAMBDAS_DIR, POLICIES_DIR
from devstack.stack import (
    BUCKETS,
    EVENT_BUS,
    FUNCTIONS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    QUEUE_CONSUMER_ACTIONS,
    QUEUES,
    RULES,
    STATE_MACHINES,
    STREAM_CONSUMER_ACTIONS,
    STREAM_CONSUMERS,
    SUBSCRIPTIONS,
    TABLES,
    TOPICS,
    Bucket,
    Function,
    Naming,
    Rule,
    StateMachine,
    StreamConsumer,
    Table,
    function_environment,
)

ClientFactory = Callable[[str], Any]
Progress = Callable[[str], None]


@dataclass
class StackOutputs:
    """Names and ARNs of what was provisioned, keyed by logical name."""

    region: str
    account: str
    tables: dict[str, str] = field(default_factory=dict)
    table_arns: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)  # key -> ARN
    topics: dict[str, str] = field(default_factory=dict)  # key -> ARN
    buses: dict[str, str] = field(default_factory=dict)  # key -> name
    bus_arns: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)  # key -> ARN
    queues: dict[str, str] = field(default_factory=dict)  # key (DLQs too) -> URL
    stream_arns: dict[str, str] = field(default_factory=dict)  # table key -> stream ARN
    queue_arns: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)  # key -> name

    def resolve(self, kind: str, key: str) -> str:
        """The value that fills an ASL placeholder declared as (kind, key)."""
        lookup = {
            "function": self.functions,
            "table": self.tables,
            "topic": self.topics,
            "bus": self.buses,
            "state_machine": self.state_machines,
            "queue": self.queues,
            "bucket": self.buckets,
        }[kind]
        return lookup[key]

    def resource_arns(self, kind: str, key: str) -> list[str]:
        """The ARNs an IAM statement about that resource names.

        A state machine's statement also covers its executions (``.sync`` describes and
        stops the child execution it started).
        """
        if kind == "state_machine":
            arn = self.state_machines[key]
            return [arn, execution_arns(arn)]
        if kind == "bucket":
            arn = f"arn:aws:s3:::{self.buckets[key]}"
            return [arn, f"{arn}/*"]
        lookup = {"table": self.table_arns, "bus": self.bus_arns, "queue": self.queue_arns}.get(
            kind
        )
        return [lookup[key] if lookup is not None else self.resolve(kind, key)]


def execution_arns(state_machine_arn: str) -> str:
    """``arn:...:stateMachine:<name>`` -> ``arn:...:execution:<name>:*``."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:*"


def _quiet(_: str) -> None:
    pass


def zip_lambda_sources(source: Path = LAMBDAS_DIR) -> bytes:
    """The functions' code as one zip: every function's CodeUri is ``lambdas/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*.py")):
            if "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(source).as_posix())
    return buffer.getvalue()


def _trust_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def _create_role(iam: Any, name: str, service: str, statements: Iterable[dict[str, Any]]) -> str:
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust_policy(service))
    iam.put_role_policy(
        RoleName=name,
        PolicyName=f"{name}-access",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    )
    return str(role["Role"]["Arn"])


def _create_table(dynamodb: Any, table: Table, name: str) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": table.hash_key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": table.hash_key, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True},
    }
    if table.stream_view_type:
        arguments["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream_view_type,
        }
    description = dynamodb.create_table(**arguments)["TableDescription"]
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    return dict(description)


def wildcard_statements(policy_file: str) -> list[dict[str, Any]]:
    """Statements whose Resource must be "*" (no resource-level permissions), from the same
    files in terraform/policies/ the Terraform modules merge in."""
    document = json.loads((POLICIES_DIR / policy_file).read_text(encoding="utf-8"))
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _log_group_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def _function_statements(
    function: Function, function_name: str, outputs: StackOutputs, account: str
) -> list[dict[str, Any]]:
    log_group = _log_group_arn(outputs.region, account, f"/aws/lambda/{function_name}")
    consumed = (
        [
            {
                "Effect": "Allow",
                "Action": list(QUEUE_CONSUMER_ACTIONS),
                "Resource": outputs.queue_arns[function.consumes_queue],
            }
        ]
        if function.consumes_queue
        else []
    )
    streams = [
        statement
        for consumer in STREAM_CONSUMERS
        if consumer.function == function.key
        for statement in (
            {
                "Effect": "Allow",
                "Action": list(STREAM_CONSUMER_ACTIONS),
                "Resource": outputs.stream_arns[consumer.table],
            },
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": outputs.queue_arns[consumer.on_failure_queue],
            },
        )
    ]
    events = (
        [
            {
                "Effect": "Allow",
                "Action": ["events:PutEvents"],
                "Resource": outputs.bus_arns[EVENT_BUS],
            }
        ]
        if function.publishes_events
        else []
    )
    objects = (
        [
            {
                "Effect": "Allow",
                "Action": list(function.object_actions),
                "Resource": outputs.resource_arns("bucket", function.bucket)[1],
            },
            {
                # Without ListBucket a missing key answers 403 instead of 404 (NoSuchKey).
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": outputs.resource_arns("bucket", function.bucket)[0],
            },
        ]
        if function.bucket
        else []
    )
    return [
        *consumed,
        *streams,
        *events,
        *objects,
        *(
            {"Effect": "Allow", "Action": list(actions), "Resource": outputs.table_arns[table]}
            for table, actions in function.table_actions.items()
        ),
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group}:*",
        },
        *wildcard_statements("xray_write.json"),
    ]


def _state_machine_statements(machine: StateMachine, outputs: StackOutputs) -> list[dict[str, Any]]:
    """Exactly the actions the ASL performs, each on the resource it names."""
    document = asl.load(Path(machine.definition_file))
    by_placeholder: dict[str, set[str]] = {}
    for action, target in asl.service_calls(document):
        placeholder = asl.PLACEHOLDER.fullmatch(target)
        if placeholder is None:
            raise ValueError(f"{machine.key}: {action} targets {target!r}, not a placeholder")
        by_placeholder.setdefault(placeholder.group(1), set()).add(action)
    statements = [
        {
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": outputs.resource_arns(*machine.substitutions[name]),
        }
        for name, actions in sorted(by_placeholder.items())
    ]
    if asl.runs_child_to_completion(document):
        statements += wildcard_statements("sync_execution_events.json")
    statements += wildcard_statements("state_machine_log_delivery.json")
    statements += wildcard_statements("xray_write.json")
    return statements


def _queue_policy(queue_arn: str, service: str, source_arn: str) -> str:
    """Let one EventBridge rule or SNS topic send to the queue, and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
                }
            ],
        }
    )


def _create_queues(sqs: Any, naming: Naming, outputs: StackOutputs, progress: Progress) -> None:
    for queue in QUEUES:
        dead_letter = (
            [(queue.dlq_key, {"MessageRetentionPeriod": str(14 * 24 * 3600)})]
            if queue.dead_letter
            else []
        )
        for key, attributes in (
            *dead_letter,
            (queue.key, {"VisibilityTimeout": str(queue.visibility_timeout_s)}),
        ):
            if key == queue.key and queue.dead_letter:
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": outputs.queue_arns[queue.dlq_key],
                        "maxReceiveCount": queue.max_receive_count,
                    }
                )
            name = naming.name(key)
            progress(f"queue {name}")
            url = sqs.create_queue(
                QueueName=name, Attributes={**attributes, "SqsManagedSseEnabled": "true"}
            )["QueueUrl"]
            outputs.queues[key] = url
            outputs.queue_arns[key] = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]


def _route_to_queues(clients: ClientFactory, naming: Naming, outputs: StackOutputs) -> None:
    """EventBridge rules and SNS subscriptions that feed the queues."""
    sqs, events, sns = clients("sqs"), clients("events"), clients("sns")
    for rule in RULES:
        if rule.target_queue is None:
            continue
        rule_arn = _put_rule(events, rule, naming, outputs)
        queue_arn = outputs.queue_arns[rule.target_queue]
        events.put_targets(
            Rule=naming.name(rule.key),
            EventBusName=rule_bus(rule, outputs),
            Targets=[{"Id": rule.target_queue, "Arn": queue_arn}],
        )
        sqs.set_queue_attributes(
            QueueUrl=outputs.queues[rule.target_queue],
            Attributes={"Policy": _queue_policy(queue_arn, "events.amazonaws.com", rule_arn)},
        )
    for subscription in SUBSCRIPTIONS:
        topic_arn = outputs.topics[subscription.topic]
        queue_arn = outputs.queue_arns[subscription.queue]
        sqs.set_queue_attributes(
            QueueUrl=outputs.queues[subscription.queue],
            Attributes={"Policy": _queue_policy(queue_arn, "sns.amazonaws.com", topic_arn)},
        )
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )


def rule_bus(rule: Rule, outputs: StackOutputs) -> str:
    """The bus a rule listens on: the stack's own, or the account's default bus."""
    return outputs.buses.get(rule.bus, rule.bus)


def event_pattern(rule: Rule, outputs: StackOutputs) -> str:
    """The rule's pattern from the shared file, placeholders filled as Terraform fills them."""
    values = {name: outputs.resolve(*ref) for name, ref in rule.pattern_substitutions.items()}
    return asl.render((EVENT_PATTERNS_DIR / rule.pattern_file).read_text(encoding="utf-8"), values)


def _put_rule(events: Any, rule: Rule, naming: Naming, outputs: StackOutputs) -> str:
    return str(
        events.put_rule(
            Name=naming.name(rule.key),
            EventBusName=rule_bus(rule, outputs),
            EventPattern=event_pattern(rule, outputs),
        )["RuleArn"]
    )


def _route_to_state_machines(clients: ClientFactory, naming: Naming, outputs: StackOutputs) -> None:
    """Rules that start a state machine directly, each through a role allowed only that."""
    events, iam = clients("events"), clients("iam")
    for rule in RULES:
        if rule.target_state_machine is None:
            continue
        _put_rule(events, rule, naming, outputs)
        machine_arn = outputs.state_machines[rule.target_state_machine]
        role_arn = _create_role(
            iam,
            naming.name(rule.key),
            "events.amazonaws.com",
            [{"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": machine_arn}],
        )
        events.put_targets(
            Rule=naming.name(rule.key),
            EventBusName=rule_bus(rule, outputs),
            Targets=[{"Id": rule.target_state_machine, "Arn": machine_arn, "RoleArn": role_arn}],
        )


def _tls_only_policy(bucket_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def _create_bucket(s3: Any, bucket: Bucket, name: str, region: str) -> None:
    """Private, encrypted, versioned, TLS-only; object events to EventBridge if asked."""
    arguments: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**arguments)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=name, Policy=_tls_only_policy(f"arn:aws:s3:::{name}"))
    if bucket.expire_prefixes:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": f"expire-{prefix.strip('/')}",
                        "Filter": {"Prefix": prefix},
                        "Status": "Enabled",
                        "Expiration": {"Days": 1},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                    }
                    for prefix in bucket.expire_prefixes
                ]
            },
        )
    if bucket.eventbridge:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )


def stream_filter_criteria(consumer: StreamConsumer) -> dict[str, Any]:
    """The mapping's FilterCriteria, from the same file Terraform reads."""
    patterns = json.loads((EVENT_PATTERNS_DIR / consumer.filter_file).read_text(encoding="utf-8"))
    return {"Filters": [{"Pattern": json.dumps(pattern)} for pattern in patterns]}


def _map_stream(
    lambda_: Any, consumer: StreamConsumer, function_arn: str, outputs: StackOutputs
) -> None:
    lambda_.create_event_source_mapping(
        EventSourceArn=outputs.stream_arns[consumer.table],
        FunctionName=function_arn,
        StartingPosition="LATEST",
        BatchSize=consumer.batch_size,
        FilterCriteria=stream_filter_criteria(consumer),
        BisectBatchOnFunctionError=consumer.bisect_on_error,
        MaximumRetryAttempts=consumer.maximum_retry_attempts,
        DestinationConfig={
            "OnFailure": {"Destination": outputs.queue_arns[consumer.on_failure_queue]}
        },
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )


def render_definition(machine: StateMachine, outputs: StackOutputs) -> str:
    values = {name: outputs.resolve(*ref) for name, ref in machine.substitutions.items()}
    return asl.render_file(Path(machine.definition_file), values)


def provision(
    clients: ClientFactory,
    region: str,
    naming: Naming | None = None,
    package: Callable[[Function], bytes] | None = None,
    runtime: str = LAMBDA_RUNTIME,
    layer_arns: Sequence[str] = (),
    progress: Progress = _quiet,
) -> StackOutputs:
    """Create tables, topic, bus, roles, functions and state machines; return their names.

    ``package`` returns a function's deployment zip (default: the sources of ``lambdas/``);
    ``runtime`` and ``layer_arns`` let the local emulator run the same code on a runtime it
    supports (see ``devstack.local_layer``).
    """
    naming = naming or Naming()
    account = clients("sts").get_caller_identity()["Account"]
    outputs = StackOutputs(region=region, account=account)
    dynamodb, iam, lambda_ = clients("dynamodb"), clients("iam"), clients("lambda")

    for table in TABLES:
        name = naming.name(table.key)
        progress(f"table {name}")
        description = _create_table(dynamodb, table, name)
        outputs.tables[table.key] = name
        outputs.table_arns[table.key] = description["TableArn"]
        if description.get("LatestStreamArn"):
            outputs.stream_arns[table.key] = description["LatestStreamArn"]

    for topic in TOPICS:
        name = naming.name(topic)
        progress(f"topic {name}")
        outputs.topics[topic] = clients("sns").create_topic(
            Name=name, Attributes={"KmsMasterKeyId": "alias/aws/sns"}
        )["TopicArn"]

    for bucket in BUCKETS:
        name = naming.bucket_name(bucket.key, account)
        progress(f"bucket {name}")
        _create_bucket(clients("s3"), bucket, name, region)
        outputs.buckets[bucket.key] = name

    bus_name = naming.name(EVENT_BUS)
    progress(f"event bus {bus_name}")
    outputs.buses[EVENT_BUS] = bus_name
    outputs.bus_arns[EVENT_BUS] = clients("events").create_event_bus(Name=bus_name)["EventBusArn"]

    _create_queues(clients("sqs"), naming, outputs, progress)
    _route_to_queues(clients, naming, outputs)

    sources = zip_lambda_sources() if package is None else b""
    for function in FUNCTIONS:
        name = naming.name(function.key)
        progress(f"function {name}")
        role_arn = _create_role(
            iam,
            name,
            "lambda.amazonaws.com",
            _function_statements(function, name, outputs, account),
        )
        created = lambda_.create_function(
            FunctionName=name,
            Runtime=runtime,
            Architectures=[LAMBDA_ARCHITECTURE],
            Handler=function.handler,
            Role=role_arn,
            Code={"ZipFile": package(function) if package else sources},
            Layers=list(layer_arns),
            MemorySize=function.memory_mb,
            Timeout=function.timeout_s,
            Environment={"Variables": function_environment(function, naming, account)},
            TracingConfig={"Mode": "Active"},
        )
        outputs.functions[function.key] = created["FunctionArn"]
        for consumer in STREAM_CONSUMERS:
            if consumer.function == function.key:
                _map_stream(lambda_, consumer, created["FunctionArn"], outputs)
        if function.consumes_queue:
            lambda_.create_event_source_mapping(
                EventSourceArn=outputs.queue_arns[function.consumes_queue],
                FunctionName=created["FunctionArn"],
                BatchSize=10,
                FunctionResponseTypes=["ReportBatchItemFailures"],
            )

    logs, sfn = clients("logs"), clients("stepfunctions")
    for machine in STATE_MACHINES:
        name = naming.name(machine.key)
        progress(f"state machine {name}")
        log_group = f"/aws/vendedlogs/states/{name}"
        logs.create_log_group(logGroupName=log_group)
        log_group_arn = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"][0][
            "arn"
        ].removesuffix(":*")
        role_arn = _create_role(
            iam,
            name,
            "states.amazonaws.com",
            _state_machine_statements(machine, outputs),
        )
        created = sfn.create_state_machine(
            name=name,
            definition=render_definition(machine, outputs),
            roleArn=role_arn,
            type=machine.type,
            loggingConfiguration={
                "level": "ALL",
                "includeExecutionData": True,
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": f"{log_group_arn}:*"}}],
            },
            tracingConfiguration={"enabled": True},
        )
        outputs.state_machines[machine.key] = created["stateMachineArn"]
    _route_to_state_machines(clients, naming, outputs)
    return outputs
