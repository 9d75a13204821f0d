"""devstack.asl (rendering and reading ASL) and the rules the real ASL file must keep."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from devstack import asl
from devstack.paths import STATEMACHINES_DIR

pytestmark = pytest.mark.unit

ORDER_PROCESSING = STATEMACHINES_DIR / "order_processing.asl.json"


def task(resource: str, **parameters: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}


# --- render and placeholders ----------------------------------------------------------------

TEMPLATE = '{"TableName": "${OrdersTableName}", "FunctionName": "${ValidateOrderFunctionArn}"}'
VALUES = {
    "OrdersTableName": "orders-local",
    "ValidateOrderFunctionArn": "arn:aws:lambda:eu-west-2:123456789012:function:validate",
}


def test_render_fills_every_placeholder() -> None:
    rendered = asl.render(TEMPLATE, VALUES)

    assert json.loads(rendered) == {
        "TableName": VALUES["OrdersTableName"],
        "FunctionName": VALUES["ValidateOrderFunctionArn"],
    }


@pytest.mark.parametrize(
    "substitutions, named",
    [
        ({"OrdersTableName": "orders-local"}, "ValidateOrderFunctionArn"),
        ({**VALUES, "InventoryTableName": "inventory"}, "InventoryTableName"),
    ],
    ids=["placeholder-without-value", "value-without-placeholder"],
)
def test_render_refuses_a_mismatch_naming_it(substitutions: dict[str, str], named: str) -> None:
    with pytest.raises(asl.RenderError, match=named):
        asl.render(TEMPLATE, substitutions)


def test_placeholders_are_the_dollar_brace_names_only() -> None:
    text = '{"a": "${OrdersTableName}", "b.$": "$.order.orderId", "c.$": "$$.Execution.Id",'
    text += ' "d": "${OrdersTableName}-${EventBusName}"}'

    assert asl.placeholders(text) == {"OrdersTableName", "EventBusName"}


def test_render_file_refuses_a_value_that_breaks_the_json(tmp_path: Any) -> None:
    path = tmp_path / "machine.asl.json"
    path.write_text('{"TableName": "${OrdersTableName}"}', encoding="utf-8")

    with pytest.raises(json.JSONDecodeError):
        asl.render_file(path, {"OrdersTableName": 'orders"'})


# --- task_states and service_calls ------------------------------------------------------------

NESTED = {
    "StartAt": "Top",
    "States": {
        "Top": task("arn:aws:states:::dynamodb:putItem", TableName="${OrdersTableName}"),
        "Skip": {"Type": "Pass", "End": True},
        "EachItem": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "InMap",
                "States": {
                    "InMap": task("arn:aws:states:::dynamodb:updateItem", TableName="${StockName}")
                },
            },
            "End": True,
        },
        "OldStyleMap": {
            "Type": "Map",
            "Iterator": {
                "StartAt": "InIterator",
                "States": {
                    "InIterator": task("arn:aws:states:::sqs:sendMessage", QueueUrl="${QueueUrl}")
                },
            },
            "End": True,
        },
        "Fanout": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Left",
                    "States": {
                        "Left": task("arn:aws:states:::sns:publish", TopicArn="${TopicArn}")
                    },
                },
                {
                    "StartAt": "Right",
                    "States": {
                        "Right": task(
                            "arn:aws:states:::events:putEvents",
                            Entries=[
                                {"EventBusName": "${OrdersBus}", "Source": "orders"},
                                {"EventBusName": "${AuditBus}", "Source": "orders"},
                            ],
                        ),
                        "Call": task("arn:aws:states:::lambda:invoke", FunctionName="${FnArn}"),
                    },
                },
            ],
            "End": True,
        },
    },
}


def test_task_states_finds_tasks_inside_maps_and_parallel_branches() -> None:
    assert set(asl.task_states(NESTED)) == {
        "Top",
        "InMap",
        "InIterator",
        "Left",
        "Right",
        "Call",
    }


def test_service_calls_pairs_each_iam_action_with_its_target() -> None:
    assert asl.service_calls(NESTED) == {
        ("dynamodb:PutItem", "${OrdersTableName}"),
        ("dynamodb:UpdateItem", "${StockName}"),
        ("sqs:SendMessage", "${QueueUrl}"),
        ("sns:Publish", "${TopicArn}"),
        ("events:PutEvents", "${OrdersBus}"),
        ("events:PutEvents", "${AuditBus}"),
        ("lambda:InvokeFunction", "${FnArn}"),
    }


@pytest.mark.parametrize("suffix", [".sync", ".sync:2"])
def test_running_a_child_to_completion_also_describes_and_stops_it(suffix: str) -> None:
    document = {
        "States": {
            "Child": task(
                f"arn:aws:states:::states:startExecution{suffix}", StateMachineArn="${ChildArn}"
            )
        }
    }

    assert asl.service_calls(document) == {
        ("states:StartExecution", "${ChildArn}"),
        ("states:DescribeExecution", "${ChildArn}"),
        ("states:StopExecution", "${ChildArn}"),
    }
    assert asl.runs_child_to_completion(document)


def test_starting_a_child_without_waiting_only_starts_it() -> None:
    document = {
        "States": {
            "Child": task("arn:aws:states:::states:startExecution", StateMachineArn="${ChildArn}")
        }
    }

    assert asl.service_calls(document) == {("states:StartExecution", "${ChildArn}")}
    assert not asl.runs_child_to_completion(document)


def test_service_calls_refuses_a_task_that_is_not_an_optimised_integration() -> None:
    document = {"States": {"Legacy": task("arn:aws:lambda:eu-west-2:123456789012:function:f")}}

    with pytest.raises(ValueError, match="Legacy"):
        asl.service_calls(document)


def test_wait_for_task_token_lambda_call_needs_invoke_function() -> None:
    document = {
        "States": {
            "Wait": task("arn:aws:states:::lambda:invoke.waitForTaskToken", FunctionName="${FnArn}")
        }
    }

    assert asl.service_calls(document) == {("lambda:InvokeFunction", "${FnArn}")}


# --- the real state machine ---------------------------------------------------------------

PLACEHOLDER_PARAMETERS = {"FunctionName", "TableName", "TopicArn", "EventBusName"}
ANY_DOLLAR_BRACE = re.compile(r"\$\{[^}]*\}")
PASCAL_CASE_PLACEHOLDER = re.compile(r"\$\{[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*\}")


def entries(node: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair in a JSON document, at any depth (list items keep their key)."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield child_key, child
            yield from entries(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield key, child
            yield from entries(child, key)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asl.load(ORDER_PROCESSING)


def test_real_file_has_task_states(document: dict[str, Any]) -> None:
    assert len(asl.task_states(document)) >= 5


def test_every_task_state_in_the_real_file_has_a_timeout(document: dict[str, Any]) -> None:
    without_timeout = [
        name
        for name, state in asl.task_states(document).items()
        if not (isinstance(state.get("TimeoutSeconds"), int) and state["TimeoutSeconds"] > 0)
    ]

    assert without_timeout == []


def test_real_file_placeholders_are_pascal_case_arn_or_name_values_only(
    document: dict[str, Any],
) -> None:
    misplaced = [
        (key, value)
        for key, value in entries(document)
        if isinstance(value, str)
        and ANY_DOLLAR_BRACE.search(value)
        and not (key in PLACEHOLDER_PARAMETERS and PASCAL_CASE_PLACEHOLDER.fullmatch(value))
    ]
    in_keys = [key for key, _ in entries(document) if key and ANY_DOLLAR_BRACE.search(key)]

    assert misplaced == []
    assert in_keys == []
    assert asl.placeholders(ORDER_PROCESSING.read_text(encoding="utf-8"))


def test_real_file_renders_to_json_with_every_placeholder_filled() -> None:
    text = ORDER_PROCESSING.read_text(encoding="utf-8")
    values = {name: f"value-of-{name}" for name in asl.placeholders(text)}

    rendered = asl.render_file(ORDER_PROCESSING, values)

    assert "${" not in rendered


def test_every_service_call_in_the_real_file_targets_a_placeholder(
    document: dict[str, Any],
) -> None:
    calls = asl.service_calls(document)

    assert calls
    assert [target for _, target in calls if not PASCAL_CASE_PLACEHOLDER.fullmatch(target)] == []


def test_real_file_uses_no_jsonata_variables_or_execution_start_time(
    document: dict[str, Any],
) -> None:
    pairs = list(entries(document))

    assert [key for key, _ in pairs if key == "Assign"] == []
    assert [value for key, value in pairs if key == "QueryLanguage" and value == "JSONata"] == []
    assert document.get("QueryLanguage", "JSONPath") == "JSONPath"
    start_time = [
        value for _, value in pairs if isinstance(value, str) and "$$.Execution.StartTime" in value
    ]
    assert start_time == []


def test_placeholder_that_is_not_pascal_case_is_refused() -> None:
    with pytest.raises(asl.RenderError, match="orders_table"):
        asl.render('{"T": "${orders_table}"}', {})
