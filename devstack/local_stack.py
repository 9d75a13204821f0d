"""The whole stack on the local emulator (MiniStack): deployed, seeded, ready for orders.

``deploy_local`` starts MiniStack when it is not running, publishes the local layer
(``devstack.local_layer``), provisions every resource with ``devstack.provision`` (the same
code path the embedded emulator uses) and seeds the catalogue and stock. Functions run as
``provided.al2023`` around the unchanged package: see ``devstack.local_layer`` for why.

Orders then reach it through the local gateway (``devstack.local_gateway``), which calls
StartSyncExecution as API Gateway does in AWS.

Clients use fake credentials (test/test) and eu-west-2, and only ever the local endpoint.
"""

import json
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from devstack import background, local_layer, ministack
from devstack.package import logical_id
from devstack.provision import ClientFactory, StackOutputs, provision, zip_lambda_sources
from devstack.seed import seed_catalogue_and_stock
from devstack.stack import (
    BUCKETS,
    DEFAULT_REGION,
    EVENT_BUS,
    FUNCTIONS,
    QUEUES,
    STATE_MACHINES,
    TABLES,
    TOPICS,
    Function,
    Naming,
)

REGION = DEFAULT_REGION
LOCAL_RUNTIME = "provided.al2023"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
# A sync Express order retries a faulty processor for a few seconds; leave room for that.
_CLIENT_CONFIG = Config(
    # Without this, boto3 sends StartSyncExecution to sync-<endpoint>, which does not resolve.
    inject_host_prefix=False,
    connect_timeout=5,
    read_timeout=120,
    retries={"mode": "standard", "max_attempts": 3},
)

Progress = Callable[[str], None]
FunctionPackage = Callable[[Function], bytes]
TERRAFORM_INPUTS_DIR = background.LOCAL_DIR / "terraform-inputs"


def _quiet(_: str) -> None:
    pass


def client_factory(port: int = ministack.DEFAULT_PORT) -> ClientFactory:
    """boto3 clients for MiniStack on 127.0.0.1:``port``, cached per service."""
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    endpoint = ministack.endpoint_url(port)

    @cache
    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint, config=_CLIENT_CONFIG)

    return client


def reset(port: int = ministack.DEFAULT_PORT) -> None:
    """Wipe every resource MiniStack holds, so the stack can be created again from scratch."""
    request = urllib.request.Request(
        ministack.endpoint_url(port) + "/_ministack/reset", method="POST", data=b""
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        reply.read()


def publish_layer(clients: ClientFactory, layer_zip: bytes) -> str:
    """Publish the local layer and return its version ARN."""
    published = clients("lambda").publish_layer_version(
        LayerName=local_layer.LAYER_NAME,
        Description=(
            f"Powertools {local_layer.POWERTOOLS_VERSION} (tracer) and awslambdaric "
            f"{local_layer.AWSLAMBDARIC_VERSION} for this host: the local target only"
        ),
        Content={"ZipFile": layer_zip},
        CompatibleRuntimes=[LOCAL_RUNTIME],
    )
    return str(published["LayerVersionArn"])


def _source_package(_: Function) -> bytes:
    """Stand-in for the ``sam build`` output: every function's CodeUri is ``lambdas/``."""
    return zip_lambda_sources()


def ministack_packages(
    function_package: FunctionPackage, layer_zip: bytes
) -> Callable[[Function], bytes]:
    """Each function's own package, wrapped for MiniStack (``local_layer``), built once each."""
    wrapped: dict[bytes, bytes] = {}

    def package_for(function: Function) -> bytes:
        own = function_package(function)
        if own not in wrapped:
            wrapped[own] = local_layer.package_for_ministack(own, layer_zip)
        return wrapped[own]

    return package_for


def deploy_local(
    progress: Progress = _quiet,
    port: int = ministack.DEFAULT_PORT,
    naming: Naming | None = None,
    function_package: FunctionPackage = _source_package,
) -> StackOutputs:
    """Start MiniStack if needed, wipe it, deploy every resource, seed; return the outputs.

    The deployment starts from an empty emulator every time (``reset``), so a second deploy
    on a running MiniStack gives the same stack instead of failing on existing names.
    ``function_package`` returns a function's own zip (``devstack.package.read_package``
    for the ``sam build`` output); it is deployed unchanged apart from what
    ``local_layer.package_for_ministack`` adds.
    """
    ministack.start(port, progress=progress)
    reset(port)
    clients = client_factory(port)

    layer_zip = local_layer.build_layer(progress).read_bytes()
    layer_arn = publish_layer(clients, layer_zip)
    progress(f"layer {layer_arn}")

    outputs = provision(
        clients,
        REGION,
        naming,
        package=ministack_packages(function_package, layer_zip),
        runtime=LOCAL_RUNTIME,
        layer_arns=[layer_arn],
        progress=progress,
    )
    count = seed(port, naming)
    progress(f"seeded {count} products")
    return outputs


def seed(port: int = ministack.DEFAULT_PORT, naming: Naming | None = None) -> int:
    """Write the catalogue and starting stock into the local tables (idempotent puts).

    Tables are found by their names (``Naming``), so this serves a stack deployed by
    Terraform as well as one deployed by ``deploy_local``.
    """
    naming = naming or Naming()
    return seed_catalogue_and_stock(
        client_factory(port)("dynamodb"), naming.name("catalogue"), naming.name("inventory")
    )


def discover_outputs(
    port: int = ministack.DEFAULT_PORT, naming: Naming | None = None
) -> StackOutputs:
    """The outputs of a stack already on the emulator, found by their names.

    For a stack deployed by Terraform (``terraform/envs/local``) rather than by
    ``deploy_local``: every name comes from ``Naming``, so a resource Terraform named
    differently is reported here as missing.
    """
    naming = naming or Naming()
    client = client_factory(port)
    account = client("sts").get_caller_identity()["Account"]
    outputs = StackOutputs(REGION, account)
    dynamodb, sqs = client("dynamodb"), client("sqs")
    for table in TABLES:
        described = dynamodb.describe_table(TableName=naming.name(table.key))["Table"]
        outputs.tables[table.key] = described["TableName"]
        outputs.table_arns[table.key] = described["TableArn"]
        if "LatestStreamArn" in described:
            outputs.stream_arns[table.key] = described["LatestStreamArn"]
    for queue in QUEUES:
        for key in (queue.key, queue.dlq_key) if queue.dead_letter else (queue.key,):
            url = sqs.get_queue_url(QueueName=naming.name(key))["QueueUrl"]
            outputs.queues[key] = url
            outputs.queue_arns[key] = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
    for function in FUNCTIONS:
        configuration = client("lambda").get_function(FunctionName=naming.name(function.key))
        outputs.functions[function.key] = configuration["Configuration"]["FunctionArn"]
    for topic in TOPICS:
        outputs.topics[topic] = f"arn:aws:sns:{REGION}:{account}:{naming.name(topic)}"
        client("sns").get_topic_attributes(TopicArn=outputs.topics[topic])  # exists?
    bus = client("events").describe_event_bus(Name=naming.name(EVENT_BUS))
    outputs.buses[EVENT_BUS], outputs.bus_arns[EVENT_BUS] = bus["Name"], bus["Arn"]
    for machine in STATE_MACHINES:
        outputs.state_machines[machine.key] = state_machine_arn(naming.name(machine.key), port)
    for bucket in BUCKETS:
        outputs.buckets[bucket.key] = naming.bucket_name(bucket.key, account)
        client("s3").head_bucket(Bucket=outputs.buckets[bucket.key])
    return outputs


def state_machine_arn(name: str, port: int = ministack.DEFAULT_PORT) -> str:
    """The ARN of the local state machine called ``name``; a clear error when there is none."""
    paginator = client_factory(port)("stepfunctions").get_paginator("list_state_machines")
    names = []
    for page in paginator.paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return str(machine["stateMachineArn"])
            names.append(machine["name"])
    raise LookupError(f"no state machine {name!r} on {ministack.endpoint_url(port)}: {names}")


def prepare_terraform_inputs(
    function_package: FunctionPackage = _source_package,
    progress: Progress = _quiet,
    target: Path = TERRAFORM_INPUTS_DIR,
) -> dict[str, Any]:
    """Write what a Terraform apply on MiniStack deploys instead of the AWS packages.

    Into ``target`` (``.local/terraform-inputs/``): ``local-layer.zip``, one
    ``<FunctionLogicalId>.zip`` per function (its package wrapped for MiniStack), and
    ``inputs.json`` naming them with the runtime, for the local Terraform root to read.
    Returns the contents of ``inputs.json``.
    """
    target.mkdir(parents=True, exist_ok=True)
    layer_zip = local_layer.build_layer(progress).read_bytes()
    layer_path = target / "local-layer.zip"
    layer_path.write_bytes(layer_zip)
    package_for = ministack_packages(function_package, layer_zip)
    packages = {}
    for function in FUNCTIONS:
        path = target / f"{logical_id(function)}.zip"  # the name the Terraform module reads
        path.write_bytes(package_for(function))
        packages[function.key] = str(path)
    inputs: dict[str, Any] = {
        "lambda_runtime": LOCAL_RUNTIME,
        "local_layer_zip": str(layer_path),
        "function_packages": packages,
    }
    (target / "inputs.json").write_text(json.dumps(inputs, indent=2), encoding="utf-8")
    progress(f"Terraform inputs for MiniStack in {target}")
    return inputs
