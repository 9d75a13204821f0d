"""Integration tests: the stack deployed on MiniStack as `make deploy` deploys it, driven over HTTP.

The session deploys once, on its own port (4599) so it never touches a stack you started
with `make deploy`, from the `sam build` packages (`make build` first), serves the local
gateway on a free port, and stops everything at the end.

It deploys with the provisioning module, or, with ``INTEGRATION_DEPLOY=terraform`` (`make
test-integration-terraform`, the pipeline's integration job), by applying the
``terraform/envs/local`` root with a real Terraform, so the tests then run against what
Terraform created.
"""

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from devstack import deploy, local_stack, ministack
from devstack.background import LOCAL_DIR
from devstack.local_gateway import GatewayConfig, LocalGateway, stage_variables
from devstack.package import BUILD_DIR, read_package
from devstack.provision import StackOutputs
from devstack.seed import load_catalogue
from devstack.stack import DEFAULT_REGION

PORT = 4599
# Terraform's AWS SDK now and then drops its connection to MiniStack about 100 ms after sending
# a request that MiniStack has already carried out and answered, and sends it again (seen on a
# loaded 2-core machine in about one apply in six): a second CreateTable, CreateLogGroup or
# CreateRole is then "already exists" and the apply fails. One more apply from an empty emulator
# gets past that; a resource MiniStack cannot create fails both.
APPLY_ATTEMPTS = 2


@dataclass
class LocalApi:
    url: str
    api_key: str
    outputs: StackOutputs
    dynamodb: Any
    endpoint: str

    def client(self, service: str) -> Any:
        """A boto3 client for the deployed emulator."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=DEFAULT_REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(inject_host_prefix=False),
        )

    def request(
        self, method: str, path: str, body: Any = None, api_key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        data = (
            body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        )
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "x-api-key": api_key or self.api_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stock(self, product_id: str) -> int:
        item = self.dynamodb.get_item(
            TableName=self.outputs.tables["inventory"], Key={"productId": {"S": product_id}}
        )["Item"]
        return int(item["quantity"]["N"])

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.outputs.tables[table])["Items"]


def deploy_stack() -> StackOutputs:
    if os.environ.get("INTEGRATION_DEPLOY", "provision") != "terraform":
        return local_stack.deploy_local(port=PORT, function_package=read_package)
    if not deploy.terraform_init_local():
        pytest.fail("INTEGRATION_DEPLOY=terraform needs `terraform init` of terraform/envs/local")
    ministack.start(PORT)
    state_file = LOCAL_DIR / f"terraform-integration-{PORT}.tfstate"
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        local_stack.reset(PORT)
        state_file.unlink(missing_ok=True)  # the emulator starts empty, and so does the state
        try:
            deploy.apply_local_root(local_stack, PORT, state_file=str(state_file))
            break
        except deploy.DeployError as error:
            if attempt == APPLY_ATTEMPTS:
                raise
            print(f"\n{error}; applying once more on an empty emulator", flush=True)
    return local_stack.discover_outputs(PORT)


@pytest.fixture(scope="session")
def local_api() -> Iterator[LocalApi]:
    if not (BUILD_DIR / "ValidateOrderFunction.zip").exists():
        pytest.fail("the sam build packages are missing: run `make build` (make test does)")
    try:
        outputs = deploy_stack()
    except BaseException:
        ministack.stop(PORT)  # a failed deploy or apply leaves no emulator running behind it
        raise
    endpoint = ministack.endpoint_url(PORT)
    common = {
        "endpoint_url": endpoint,
        "region_name": DEFAULT_REGION,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    dynamodb = boto3.client("dynamodb", **common)
    api_key = uuid.uuid4().hex
    gateway = LocalGateway(
        GatewayConfig(
            api_key=api_key,
            stage_variables=stage_variables(outputs),
            sfn=boto3.client(
                "stepfunctions", config=Config(inject_host_prefix=False, read_timeout=60), **common
            ),
            dynamodb=dynamodb,
        ),
        port=0,
    ).start()
    try:
        yield LocalApi(gateway.url, api_key, outputs, dynamodb, endpoint)
    finally:
        gateway.stop()
        ministack.stop(PORT)


@pytest.fixture
def order() -> dict[str, Any]:
    prices = {p["productId"]: p["unitPrice"] for p in load_catalogue()["products"]}
    return {
        "orderId": f"it-{uuid.uuid4().hex[:12]}",
        "customer": {"customerId": "cust-it", "email": "it@example.com"},
        "items": [
            {"productId": "MUG-LAMBDA", "quantity": 1, "unitPrice": prices["MUG-LAMBDA"]},
            {"productId": "STICKERS-10", "quantity": 2, "unitPrice": prices["STICKERS-10"]},
        ],
        "payment": {"processor": "stripe", "token": "tok_visa"},
        "currency": "GBP",
    }
