"""The provider schema read from the cdktn wheel: hand-checked against the registry docs."""

import pytest

from devstack.terraform_schema import PROVIDER_VERSION, BlockSchema
from tests.infra.terraform_support import provider_schema

pytestmark = pytest.mark.infra


def _resource(name: str) -> BlockSchema:
    block = provider_schema().block("resource", name)
    assert block is not None, name
    return block


def _required(block: BlockSchema) -> set[str]:
    return {name for name, argument in block["arguments"].items() if argument["required"]}


def test_the_schema_is_the_pinned_provider() -> None:
    schema = provider_schema()
    assert schema.version == PROVIDER_VERSION == "6.69.1"
    assert len(schema.types("resource")) > 1500
    assert "aws_ssm_parameter" in schema.types("data")


def test_dynamodb_table() -> None:
    table = _resource("aws_dynamodb_table")
    assert _required(table) == {"name"}
    assert {"billing_mode", "hash_key", "stream_view_type", "deletion_protection_enabled"} <= set(
        table["arguments"]
    )
    assert _required(table["blocks"]["attribute"]) == {"name", "type"}
    assert _required(table["blocks"]["point_in_time_recovery"]) == {"enabled"}
    assert set(table["blocks"]["server_side_encryption"]["arguments"]) == {"enabled", "kms_key_arn"}
    assert {"attribute", "ttl", "global_secondary_index"} <= set(table["blocks"])
    # computed only: no setter, so not an argument
    assert not {"arn", "stream_arn", "stream_label"} & set(table["arguments"])


def test_lambda_function() -> None:
    function = _resource("aws_lambda_function")
    assert _required(function) == {"function_name", "role"}
    assert {"runtime", "handler", "architectures", "layers", "source_code_hash"} <= set(
        function["arguments"]
    )
    assert _required(function["blocks"]["tracing_config"]) == {"mode"}
    assert set(function["blocks"]["environment"]["arguments"]) == {"variables"}
    assert not {"arn", "invoke_arn", "qualified_arn", "last_modified", "version"} & set(
        function["arguments"]
    )


def test_sfn_state_machine() -> None:
    machine = _resource("aws_sfn_state_machine")
    assert _required(machine) == {"definition", "role_arn"}
    assert set(machine["blocks"]["logging_configuration"]["arguments"]) == {
        "include_execution_data",
        "level",
        "log_destination",
    }
    assert set(machine["blocks"]["tracing_configuration"]["arguments"]) == {"enabled"}
    assert "arn" not in machine["arguments"]


def test_api_gateway_integration() -> None:
    integration = _resource("aws_api_gateway_integration")
    assert _required(integration) == {"http_method", "resource_id", "rest_api_id", "type"}
    assert {"uri", "credentials", "request_templates", "integration_http_method"} <= set(
        integration["arguments"]
    )
    assert set(integration["blocks"]) == {"tls_config"}


def test_provider_endpoints_are_a_block() -> None:
    provider = provider_schema().block("provider")
    assert provider is not None
    assert {"skip_credentials_validation", "skip_requesting_account_id"} <= set(
        provider["arguments"]
    )
    assert {"dynamodb", "sfn", "lambda", "apigateway"} <= set(
        provider["blocks"]["endpoints"]["arguments"]
    )
