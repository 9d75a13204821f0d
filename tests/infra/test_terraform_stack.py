"""terraform/ declares the stack devstack/stack.py and the ASL declare, and pins what it must."""

import re
from pathlib import Path
from typing import Any

import pytest

from devstack import asl
from devstack.package import logical_id
from devstack.paths import EVENT_PATTERNS_DIR
from devstack.stack import (
    EVENT_BUS,
    FUNCTIONS,
    METRICS_NAMESPACE,
    QUEUES,
    RULES,
    STATE_MACHINES,
    STREAM_CONSUMERS,
    SUBSCRIPTIONS,
    TABLES,
    TOPICS,
    Naming,
    function_environment,
)
from devstack.terraform_check import parse, tf_files
from tests.infra.terraform_support import TERRAFORM_DIR

pytestmark = pytest.mark.infra

ORDERS = TERRAFORM_DIR / "modules" / "orders"
ENVS = TERRAFORM_DIR / "envs"


def _plain(value: Any) -> Any:
    """HCL literals as python-hcl2 gives them ('"S"') as Python values ('S')."""
    if isinstance(value, str):
        return value[1:-1] if value.startswith('"') and value.endswith('"') else value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
    return value


@pytest.fixture(scope="module")
def stack_locals() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for entry in parse(ORDERS / "locals.tf")["locals"]:
        merged.update(_plain(entry))
    return merged


def test_name_prefix_is_naming(stack_locals: dict[str, Any]) -> None:
    assert stack_locals["name_prefix"] == "orders-${var.environment}"
    assert Naming("dev").name("order_processing") == "orders-dev-order-processing"


def test_tables_mirror_the_stack(stack_locals: dict[str, Any]) -> None:
    expected = {
        table.key: {
            "hash_key": table.hash_key,
            **({"stream_view_type": table.stream_view_type} if table.stream_view_type else {}),
            **({"ttl_attribute": table.ttl_attribute} if table.ttl_attribute else {}),
        }
        for table in TABLES
    }
    assert stack_locals["tables"] == expected


def test_functions_mirror_the_stack(stack_locals: dict[str, Any]) -> None:
    expected = {
        function.key: {
            "logical_id": logical_id(function),
            "memory_size": function.memory_mb,
            "timeout": function.timeout_s,
            "table_variables": dict(function.table_variables),
            "table_actions": {t: list(a) for t, a in function.table_actions.items()},
            **({"consumes_queue": function.consumes_queue} if function.consumes_queue else {}),
            **({"publishes_events": True} if function.publishes_events else {}),
        }
        for function in FUNCTIONS
    }
    assert stack_locals["functions"] == expected
    assert stack_locals["metrics_namespace"] == METRICS_NAMESPACE
    assert [stack_locals["topic"]] == list(TOPICS)
    assert stack_locals["event_bus"] == EVENT_BUS


def test_function_environment_is_built_as_the_stack_builds_it() -> None:
    main = (ORDERS / "main.tf").read_text(encoding="utf-8")
    for function in FUNCTIONS:
        environment = function_environment(function, Naming())
        assert set(environment) - set(function.table_variables) == {
            "POWERTOOLS_SERVICE_NAME",
            "POWERTOOLS_METRICS_NAMESPACE",
            "POWERTOOLS_LOG_LEVEL",
            *(["EVENT_BUS_NAME"] if function.publishes_events else []),
        }
        assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert 'POWERTOOLS_SERVICE_NAME      = replace(each.key, "_", "-")' in main
    assert "POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace" in main
    assert 'POWERTOOLS_LOG_LEVEL         = "INFO"' in main
    assert "{ EVENT_BUS_NAME = module.messaging.event_bus_name }" in main
    assert 'handler                        = "${each.key}.handler.lambda_handler"' in main
    assert '"${local.package_dir}/${each.value.logical_id}.zip"' in main


def test_state_machine_mirrors_the_stack_and_the_asl(stack_locals: dict[str, Any]) -> None:
    (machine,) = STATE_MACHINES
    declared = stack_locals["order_processing"]
    assert declared["key"] == machine.key
    assert declared["type"] == machine.type == "EXPRESS"
    assert declared["definition_file"] == (
        "${path.module}/../../../statemachines/order_processing.asl.json"
    )
    assert (ORDERS / "../../../statemachines/order_processing.asl.json").resolve() == Path(
        machine.definition_file
    )
    substitutions = {
        name: (ref["kind"], ref["key"]) for name, ref in declared["substitutions"].items()
    }
    assert substitutions == dict(machine.substitutions)
    text = Path(machine.definition_file).read_text(encoding="utf-8")
    assert set(substitutions) == asl.placeholders(text)


def test_state_machine_role_is_exactly_the_asl_service_calls(stack_locals: dict[str, Any]) -> None:
    (machine,) = STATE_MACHINES
    calls: dict[str, set[str]] = {}
    for action, target in asl.service_calls(asl.load(Path(machine.definition_file))):
        placeholder = asl.PLACEHOLDER.fullmatch(target)
        assert placeholder is not None, target
        calls.setdefault(placeholder.group(1), set()).add(action)
    declared = stack_locals["order_processing"]["service_calls"]
    assert {name: set(actions) for name, actions in declared.items()} == calls


def _hcl_files() -> list[Path]:
    return tf_files(TERRAFORM_DIR) + sorted(TERRAFORM_DIR.rglob("*.tftest.hcl"))


def test_every_root_and_module_pins_the_provider_exactly() -> None:
    pinned = [
        path for path in TERRAFORM_DIR.rglob("*.tf") if path.name in {"versions.tf", "terraform.tf"}
    ]
    roots_and_modules = [
        *(TERRAFORM_DIR / "modules").iterdir(),
        *(TERRAFORM_DIR / "envs").iterdir(),
    ]
    assert sorted(path.parent for path in pinned) == sorted(roots_and_modules)
    for path in pinned:
        text = path.read_text(encoding="utf-8")
        assert 'version = "6.69.1"' in text, path
        assert 'required_version = ">= 1.10"' in text, path


def test_dev_and_prod_lock_state_in_s3_and_keep_data() -> None:
    for env in ("dev", "prod"):
        backend = (ENVS / env / "backend.tf").read_text(encoding="utf-8")
        assert 'backend "s3"' in backend and "use_lockfile = true" in backend
        assert f'key          = "orders/{env}/terraform.tfstate"' in backend
        main = (ENVS / env / "main.tf").read_text(encoding="utf-8")
        assert "point_in_time_recovery_enabled          = true" in main
        assert "deletion_protection_enabled             = true" in main
    prod = (ENVS / "prod" / "prod.tfvars").read_text(encoding="utf-8")
    assert re.search(r"^prevent_table_destroy\s*=\s*true$", prod, re.MULTILINE)


def test_no_account_id_is_committed() -> None:
    for path in _hcl_files():
        for number in re.findall(r"(?<!\d)\d{12}(?!\d)", path.read_text(encoding="utf-8")):
            assert number in {"000000000000", "123456789012"}, f"{path}: {number}"


def test_queues_rules_and_subscriptions_mirror_the_stack(stack_locals: dict[str, Any]) -> None:
    assert stack_locals["queues"] == {
        queue.key: {
            "visibility_timeout": queue.visibility_timeout_s,
            "max_receive_count": queue.max_receive_count,
            **({} if queue.dead_letter else {"dead_letter": False}),
        }
        for queue in QUEUES
    }
    assert stack_locals["stream_consumers"] == {
        consumer.function: {
            "table": consumer.table,
            "filter_file": consumer.filter_file,
            "on_failure_queue": consumer.on_failure_queue,
            "batch_size": consumer.batch_size,
            "maximum_retry_attempts": consumer.maximum_retry_attempts,
            "bisect_on_error": consumer.bisect_on_error,
        }
        for consumer in STREAM_CONSUMERS
    }
    assert stack_locals["rules"] == {
        rule.key: {"pattern_file": rule.pattern_file, "target_queue": rule.target_queue}
        for rule in RULES
    }
    assert stack_locals["subscriptions"] == {s.topic: {"queue": s.queue} for s in SUBSCRIPTIONS}
    for rule in RULES:
        assert (EVENT_PATTERNS_DIR / rule.pattern_file).is_file()
