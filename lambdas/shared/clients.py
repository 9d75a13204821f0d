"""AWS clients created once per cold start, with timeouts that fit a synchronous workflow.

boto3 honours ``AWS_ENDPOINT_URL`` by itself, so the same code talks to AWS, MiniStack or the
in-process moto without a branch here.
"""

from typing import Any

import boto3
from botocore.config import Config

CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=3,
    retries={"mode": "standard", "max_attempts": 3},
)


def dynamodb_table(table_name: str) -> Any:
    """A DynamoDB Table resource (typed ``Any``: boto3 resources have no static types)."""
    return boto3.resource("dynamodb", config=CLIENT_CONFIG).Table(table_name)
