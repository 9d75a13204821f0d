"""boto3 clients for the environment a command acts on: the local stack or AWS.

``local`` talks to the emulator ``make deploy`` started (its placeholder credentials);
``dev`` and ``prod`` use your current AWS credentials. Every operator command (redrive,
approvals, imports) builds its clients here.
"""

from typing import Any

import boto3
from botocore.config import Config

from devstack.ministack import endpoint_url
from devstack.stack import DEFAULT_REGION

ENVIRONMENTS = ("local", "dev", "prod")


def client(service: str, environment: str) -> Any:
    local = environment == "local"
    return boto3.client(
        service,
        region_name=DEFAULT_REGION,
        endpoint_url=endpoint_url() if local else None,
        aws_access_key_id="test" if local else None,
        aws_secret_access_key="test" if local else None,  # the emulator's placeholder
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )
