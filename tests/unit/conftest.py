"""Unit-test fixtures: fake AWS credentials, moto's in-process DynamoDB, a Lambda context.

Unit tests never open a socket. moto's ``mock_aws`` answers boto3 inside this process, and the
autouse ``no_sockets`` guard turns any attempt to connect anywhere into a test failure.
"""

import importlib
import socket
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.inprocess_lambda import LambdaContext

REGION = "eu-west-2"
FAKE_AWS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Any of these would send boto3 somewhere other than moto's in-process backend.
REDIRECTING_ENV = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE")


class SocketOpened(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, address: Any) -> None:
        raise SocketOpened(f"unit tests never open a socket (tried {address!r})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's in-process AWS; yields a DynamoDB service resource."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in REDIRECTING_ENV:
        monkeypatch.delenv(name, raising=False)
    # Keeping boto3's default session between tests saves re-reading the service models
    # (about 0.1 s a test); the credentials and region it reads are the fake ones above.
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        yield boto3.resource("dynamodb")


@pytest.fixture
def make_table(aws: Any) -> Callable[[str, str], Any]:
    """Create an on-demand table with a single string hash key."""

    def make(name: str, key: str) -> Any:
        return aws.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    return make


@pytest.fixture
def payments_table(make_table: Callable[[str, str], Any]) -> Any:
    return make_table("unit-payments", "paymentId")


@pytest.fixture
def catalogue_table(make_table: Callable[[str, str], Any]) -> Any:
    return make_table("unit-catalogue", "productId")


@pytest.fixture
def idempotency_table(make_table: Callable[[str, str], Any]) -> Any:
    return make_table("unit-idempotency", "id")


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext(
        function_name="unit-function",
        memory_limit_in_mb=128,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:unit-function",
        timeout_s=5,
    )


def fresh_import(module_name: str) -> ModuleType:
    """Import ``module_name`` so its module scope runs now, as on a Lambda cold start."""
    if module_name in sys.modules:
        return importlib.reload(sys.modules[module_name])
    return importlib.import_module(module_name)
