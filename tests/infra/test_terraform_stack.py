"""terraform/ declares the stack devstack/stack.py and the ASL declare, and pins what it must."""

import re
from pathlib import Path
from typing import Any

import pytest

from devstack import provision
from devstack.package import logical_id
from devstack.paths import POLICIES_DIR, REPO_ROOT, STATEMACHINES_DIR
from devstack.stack import (
    BUCKETS,
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
    bucket_named,
    function_environment,
)
from devstack.terraform_check import tf_files
from tests.infra.conftest import edit_once
from tests.infra.terraform_contract import (
    alias_wiring_problems,
    bucket_problems,
    function_bucket_problems,
    module_locals,
    rule_problems,
    state_machine_problems,
    statemachines_dir,
    topic_problems,
)
from tests.infra.terraform_support import TERRAFORM_DIR

pytestmark = pytest.mark.infra

ORDERS = TERRAFORM_DIR / "modules" / "orders"
ENVS = TERRAFORM_DIR / "envs"
# terraform test reads the tests/ of the configuration it runs in (make terraform-validate).
TERRAFORM_TESTS = ORDERS / "tests"


@pytest.fixture(scope="module")
def stack_locals() -> dict[str, Any]:
    return module_locals(ORDERS)


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
            **(
                {"bucket": function.bucket, "object_actions": list(function.object_actions)}
                if function.bucket
                else {}
            ),
        }
        for function in FUNCTIONS
    }
    assert stack_locals["functions"] == expected
    assert stack_locals["metrics_namespace"] == METRICS_NAMESPACE
    assert stack_locals["topics"] == list(TOPICS)
    assert stack_locals["event_bus"] == EVENT_BUS


def test_buckets_mirror_the_stack_and_provisioning(stack_locals: dict[str, Any]) -> None:
    """Name (<prefix>-<key>-<account id>), public access block, SSE-KMS, versioning, the
    TLS-only policy, lifecycle and EventBridge notifications, compared with the calls
    devstack/provision.py makes for the same bucket; Terraform's objects use the stack's key."""
    assert set(stack_locals["buckets"]) == {bucket.key for bucket in BUCKETS}
    assert bucket_problems(TERRAFORM_DIR) == []


def test_function_roles_reach_their_bucket_as_provisioning_does() -> None:
    """The object actions on <bucket ARN>/* and s3:ListBucket on the bucket, exactly the S3
    statements devstack/provision.py gives each function, and the bucket's name in its
    variable."""
    assert function_bucket_problems(TERRAFORM_DIR) == []


def test_topics_mirror_the_stack() -> None:
    """Every topic, named and encrypted as provisioning creates it; the order notifications
    topic keeps its address (moved block) now that the messaging module makes several."""
    assert topic_problems(TERRAFORM_DIR) == []


def test_function_environment_is_built_as_the_stack_builds_it() -> None:
    main = (ORDERS / "main.tf").read_text(encoding="utf-8")
    for function in FUNCTIONS:
        environment = function_environment(function, Naming(), "123456789012")
        assert set(environment) - set(function.table_variables) == {
            "POWERTOOLS_SERVICE_NAME",
            "POWERTOOLS_METRICS_NAMESPACE",
            "POWERTOOLS_LOG_LEVEL",
            *(["EVENT_BUS_NAME"] if function.publishes_events else []),
            *([bucket_named(function.bucket).variable] if function.bucket else []),
        }
        assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert 'POWERTOOLS_SERVICE_NAME      = replace(each.key, "_", "-")' in main
    assert "POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace" in main
    assert 'POWERTOOLS_LOG_LEVEL         = "INFO"' in main
    assert "{ EVENT_BUS_NAME = module.messaging.event_bus_name }" in main
    assert (
        "{ (local.buckets[each.value.bucket].variable) = module.bucket[each.value.bucket].name }"
        in main
    )
    assert 'handler                        = "${each.key}.handler.lambda_handler"' in main
    assert '"${local.package_dir}/${each.value.logical_id}.zip"' in main


def test_state_machines_mirror_the_stack_the_asl_and_provisioning() -> None:
    """Type, definition file, substitutions, service calls (== the ASL's, by placeholder),
    runs_child_to_completion, the module block of each, and, compared with what
    devstack/provision.py creates for the same resources: the rendered definition and every
    statement of the role (the sync-events policy exactly where a child runs to completion)."""
    assert {"order_processing", "pick_pack_label", "order_fulfilment", "inventory_import"} <= {
        m.key for m in STATE_MACHINES
    }
    assert state_machine_problems(TERRAFORM_DIR) == []


def test_state_machine_definitions_are_the_files_provisioning_renders() -> None:
    assert statemachines_dir(TERRAFORM_DIR) == STATEMACHINES_DIR
    for machine in STATE_MACHINES:
        assert Path(machine.definition_file) == STATEMACHINES_DIR / f"{machine.key}.asl.json"


def test_policies_are_the_files_provisioning_reads() -> None:
    assert POLICIES_DIR == TERRAFORM_DIR / "policies"
    statements = provision.wildcard_statements("sync_execution_events.json")
    assert [s["Action"] for s in statements] == [
        ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
    ]


def test_rules_mirror_the_stack_and_provisioning() -> None:
    """Each rule is on the bus provisioning puts it on (the orders bus, or the account's default
    bus for S3's events), with the pattern provision.event_pattern renders (templatefile fills
    the file's placeholders), and targets a queue or a state machine; a state machine target is
    started through a role trusted by EventBridge and allowed only states:StartExecution on that
    state machine, as devstack/provision.py creates it."""
    assert {rule.bus for rule in RULES} == {EVENT_BUS, "default"}
    assert rule_problems(TERRAFORM_DIR) == []


def _hcl_files() -> list[Path]:
    return tf_files(TERRAFORM_DIR) + sorted(TERRAFORM_DIR.rglob("*.tftest.hcl"))


def test_every_root_and_module_pins_the_provider_exactly() -> None:
    pinned = [
        path for path in TERRAFORM_DIR.rglob("*.tf") if path.name in {"versions.tf", "terraform.tf"}
    ]
    roots_and_modules = [
        *(TERRAFORM_DIR / "modules").iterdir(),
        *(TERRAFORM_DIR / "envs").iterdir(),
        TERRAFORM_DIR / "bootstrap",
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


def test_queues_and_subscriptions_mirror_the_stack(stack_locals: dict[str, Any]) -> None:
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
    assert stack_locals["subscriptions"] == {s.topic: {"queue": s.queue} for s in SUBSCRIPTIONS}


def test_every_function_has_a_stand_in_package_for_the_plan_tests(
    stack_locals: dict[str, Any],
) -> None:
    fixtures = TERRAFORM_TESTS / "fixtures"
    for function in stack_locals["functions"].values():
        assert (fixtures / f"{function['logical_id']}.zip").is_file(), function["logical_id"]


def test_terraform_tests_live_in_the_configuration_they_test() -> None:
    """Terraform 1.11 runs only a test directory inside the configuration (-test-directory
    cannot leave it), so the plan tests sit in modules/orders/tests and run from there."""
    assert (TERRAFORM_TESTS / "orders.tftest.hcl").is_file()
    assert not (TERRAFORM_DIR / "tests").exists()
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile[makefile.index("\nterraform-validate:") :].split("\n\n", 1)[0]
    assert "\tterraform -chdir=terraform/modules/orders test\n" in target + "\n"
    assert "-test-directory" not in target
    tests = (TERRAFORM_TESTS / "orders.tftest.hcl").read_text(encoding="utf-8")
    for path in re.findall(r'"((?:\.\./|tests/)[^"$]*\.(?:zip|json))"', tests):
        assert (ORDERS / path).is_file(), path


# Mutation tests: break a copy of terraform/ the way a careless edit would, and the contract
# reports exactly that.


def test_a_missing_action_on_the_child_state_machine_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        '["states:DescribeExecution", "states:StartExecution", "states:StopExecution"]',
        '["states:DescribeExecution", "states:StartExecution"]',
    )
    problems = state_machine_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith("state machine order_fulfilment: service_calls is ")


def test_a_parent_without_the_sync_events_policy_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "runs_child_to_completion = true",
        "runs_child_to_completion = false",
    )
    assert state_machine_problems(tree_copy) == [
        "state machine order_fulfilment: runs_child_to_completion is False, expected True"
    ]


def test_the_sync_events_policy_given_to_every_state_machine_is_reported(tree_copy: Path) -> None:
    sync = 'file("${path.module}/../../policies/sync_execution_events.json")'
    edit_once(
        tree_copy / "modules/state_machine/iam.tf",
        f"var.follows_child_executions ? [{sync}] : [],\n    [\n",
        f"var.follows_child_executions ? [] : [],\n    [\n      {sync},\n",
    )
    assert state_machine_problems(tree_copy) == [
        "state machine order_processing: the role's statements differ from provisioning's",
        "state machine pick_pack_label: the role's statements differ from provisioning's",
        "state machine inventory_import: the role's statements differ from provisioning's",
    ]


def test_a_queue_placeholder_filled_with_the_arn_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "{ value = queue.url, arns = [queue.arn] }",
        "{ value = queue.arn, arns = [queue.arn] }",
    )
    assert state_machine_problems(tree_copy) == [
        "state machine order_fulfilment: the rendered definition differs from provisioning's"
    ]


def test_a_child_statement_without_its_executions_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "arns = [machine.arn, machine.execution_arns]",
        "arns = [machine.arn]",
    )
    assert state_machine_problems(tree_copy) == [
        "state machine order_fulfilment: the role's statements differ from provisioning's"
    ]


def test_a_module_block_reading_another_state_machine_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/main.tf",
        "type                     = local.state_machines.pick_pack_label.type",
        "type                     = local.state_machines.order_fulfilment.type",
    )
    assert state_machine_problems(tree_copy) == [
        "module.pick_pack_label: type is '${local.state_machines.order_fulfilment.type}', "
        "expected '${local.state_machines.pick_pack_label.type}'"
    ]


def test_a_state_machine_missing_from_terraform_is_reported(tree_copy: Path) -> None:
    main = tree_copy / "modules/orders/main.tf"
    text = main.read_text(encoding="utf-8")
    start = text.index('module "order_fulfilment" {')
    main.write_text(
        text[:start] + text[text.index('module "inventory_import" {') :], encoding="utf-8"
    )
    problems = state_machine_problems(tree_copy)
    assert "state machine order_fulfilment: no module block 'order_fulfilment'" in problems
    assert problems[0] == (
        "state_machine module blocks are ['inventory_import', 'order_processing', "
        "'pick_pack_label'], the stack's "
        "['inventory_import', 'order_fulfilment', 'order_processing', 'pick_pack_label']"
    )


def test_a_rule_role_allowed_more_than_starting_its_state_machine_is_reported(
    tree_copy: Path,
) -> None:
    edit_once(
        tree_copy / "modules/orders/rules.tf",
        'actions   = ["states:StartExecution"]',
        'actions   = ["states:StartExecution", "states:StopExecution"]',
    )
    problems = rule_problems(tree_copy)
    assert len(problems) == 2  # both rules that start a state machine
    assert problems[0].startswith("rule roles: fulfil-placed-orders is ")
    assert problems[1].startswith("rule roles: import-inventory-files is ")
    assert all("states:StopExecution" in problem for problem in problems)


def test_a_rule_role_trusting_another_service_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/rules.tf",
        'identifiers = ["events.amazonaws.com"]',
        'identifiers = ["states.amazonaws.com"]',
    )
    problems = rule_problems(tree_copy)
    assert len(problems) == 2  # both rules that start a state machine
    assert all("'states.amazonaws.com'" in problem for problem in problems)


def test_a_rule_starting_the_wrong_state_machine_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        'target_state_machine = "order_fulfilment"',
        'target_state_machine = "pick_pack_label"',
    )
    problems = rule_problems(tree_copy)
    assert problems[0].startswith("local.rules: fulfil-placed-orders is ")
    assert problems[1].startswith("rule roles: fulfil-placed-orders is ")  # and the role follows
    assert len(problems) == 2


def test_a_queue_accepting_every_rule_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/queues.tf",
        "} if try(rule.target_queue, null) == each.key",
        "}",
    )
    assert rule_problems(tree_copy) == [
        "module.queue: senders are not only the rules that target that queue"
    ]


def test_an_object_action_missing_from_a_function_role_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        '["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]',
        '["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]',
    )
    assert function_bucket_problems(tree_copy) == [
        "function inventory_extract: the role's S3 statements differ from provisioning's"
    ]


def test_a_role_without_list_bucket_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/function/iam.tf", 'actions   = ["s3:ListBucket"]', "actions = []"
    )
    assert function_bucket_problems(tree_copy) == [
        "function inventory_extract: the role's S3 statements differ from provisioning's",
        "function inventory_load: the role's S3 statements differ from provisioning's",
    ]


def test_a_rule_left_on_the_orders_bus_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf", '      bus                   = "default"\n', ""
    )
    problems = rule_problems(tree_copy)
    assert problems[0].startswith("local.rules: import-inventory-files is ")
    assert problems[1:] == [
        "rule import-inventory-files: the rule is on 'orders-test-orders', provisioning's on "
        "'default'",
        "rule import-inventory-files: the target is on 'orders-test-orders', provisioning's on "
        "'default'",
    ]


def test_a_rule_resource_ignoring_the_rule_bus_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/rules.tf",
        'name           = "${local.name_prefix}-${each.key}"\n  event_bus_name = local.rule_buses',
        'name           = "${local.name_prefix}-${each.key}"\n'
        "  event_bus_name = module.messaging.event_bus_name #",
    )
    assert rule_problems(tree_copy) == [
        "rule import-inventory-files: the rule is on 'orders-test-orders', provisioning's on "
        "'default'"
    ]


def test_a_pattern_read_with_file_is_reported(tree_copy: Path) -> None:
    rules = tree_copy / "modules/orders/rules.tf"
    text = rules.read_text(encoding="utf-8")
    start = text.index("  event_pattern = templatefile(")
    end = text.index("})\n", start) + len("})\n")
    rules.write_text(
        text[:start]
        + '  event_pattern = file("${path.module}/../../events/${each.value.pattern_file}")\n'
        + text[end:],
        encoding="utf-8",
    )
    problems = rule_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith(
        "rule import-inventory-files: the event pattern differs from provisioning's: "
    )
    assert '"${ImportBucketName}"' in problems[0]  # the placeholder went to AWS as it is


def test_a_pattern_placeholder_without_a_value_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "pattern_substitutions = { ImportBucketName = ",
        "pattern_substitutions = { BucketName = ",
    )
    problems = rule_problems(tree_copy)
    assert problems[0].startswith("local.rules: import-inventory-files is ")
    assert problems[1] == (
        "rule import-inventory-files: the event pattern differs from provisioning's: "
        "<templatefile fails: no value for ['ImportBucketName']>"
    )
    assert len(problems) == 2


def test_a_lifecycle_prefix_that_is_not_the_folder_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/bucket/main.tf",
        "prefix = rule.value",
        'prefix = trim(rule.value, "/")',
    )
    problems = bucket_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith("bucket imports: put_bucket_lifecycle_configuration is ")
    assert "'Prefix': 'work'}" in problems[0]


def test_a_bucket_policy_that_allows_plain_http_is_reported(tree_copy: Path) -> None:
    edit_once(tree_copy / "modules/bucket/main.tf", 'values   = ["false"]', 'values   = ["true"]')
    problems = bucket_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith("bucket imports: put_bucket_policy is ")


def test_a_bucket_without_eventbridge_notifications_is_reported(tree_copy: Path) -> None:
    edit_once(tree_copy / "modules/bucket/main.tf", "eventbridge = true", "eventbridge = false")
    assert bucket_problems(tree_copy) == [
        "bucket imports: put_bucket_notification_configuration is None, expected "
        "{'NotificationConfiguration': {'EventBridgeConfiguration': {}}}"
    ]


def test_a_bucket_named_without_the_account_id_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/bucket/main.tf",
        'bucket = "${var.name}-${data.aws_caller_identity.current.account_id}"',
        'bucket = "${var.name}"',
    )
    problems = bucket_problems(tree_copy)
    assert problems[0] == (
        "bucket imports: name is 'orders-test-imports', expected 'orders-test-imports-123456789012'"
    )
    # and the TLS-only policy names that bucket
    assert problems[1].startswith("bucket imports: put_bucket_policy is ")
    assert len(problems) == 2


def test_the_first_topic_moving_without_a_moved_block_is_reported(tree_copy: Path) -> None:
    main = tree_copy / "modules/orders/main.tf"
    text = main.read_text(encoding="utf-8")
    start = text.index("moved {")
    main.write_text(text[:start] + text[text.index("}\n", start) + 2 :], encoding="utf-8")
    assert topic_problems(tree_copy) == [
        "no moved block keeps the order notifications topic at its address "
        '(module.messaging.aws_sns_topic.this -> ...this["order-notifications"])'
    ]


def test_every_caller_goes_through_the_live_aliases() -> None:
    """Functions and state machines publish versions behind an alias `live`; the event source
    mappings invoke it, the API and the rules start it, and no expression in the orders module
    names a function's unqualified ARN (the definitions and roles are checked with
    provisioning's, seen through the aliases: test_state_machines_mirror_...)."""
    assert alias_wiring_problems(TERRAFORM_DIR) == []


def test_a_mapping_invoking_the_unqualified_function_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/queues.tf",
        "function_name                      = module.function[each.key].alias_arn",
        "function_name                      = module.function[each.key].arn",
    )
    problems = alias_wiring_problems(tree_copy)
    assert len(problems) == 2
    assert problems[0].startswith("aws_lambda_event_source_mapping.stream: function_name is ")
    assert problems[1].startswith("modules/orders/queues.tf:")


def test_a_definition_invoking_the_unqualified_function_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "{ value = function.alias_arn, arns = [function.alias_arn] }",
        "{ value = function.arn, arns = [function.alias_arn] }",
    )
    assert state_machine_problems(tree_copy) == [
        f"state machine {key}: the rendered definition differs from provisioning's"
        for key in ("order_processing", "pick_pack_label", "order_fulfilment", "inventory_import")
    ]
    assert len(alias_wiring_problems(tree_copy)) == 1


def test_a_role_allowed_only_the_unqualified_function_is_reported(tree_copy: Path) -> None:
    """Lambda authorises the ARN a caller names: a role on the function cannot invoke live."""
    edit_once(
        tree_copy / "modules/orders/locals.tf",
        "{ value = function.alias_arn, arns = [function.alias_arn] }",
        "{ value = function.alias_arn, arns = [function.arn] }",
    )
    assert state_machine_problems(tree_copy) == [
        f"state machine {key}: the role's statements differ from provisioning's"
        for key in ("order_processing", "pick_pack_label", "order_fulfilment", "inventory_import")
    ]


def test_a_parent_starting_its_child_unqualified_is_reported(tree_copy: Path) -> None:
    locals_tf = tree_copy / "modules/orders/locals.tf"
    edit_once(locals_tf, "value = machine.start_arn", "value = machine.arn")
    assert state_machine_problems(tree_copy) == [
        "state machine order_fulfilment: the rendered definition differs from provisioning's"
    ]


def test_a_rule_starting_the_unqualified_state_machine_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / "modules/orders/rules.tf",
        "local.state_machine_start_arns[rule.target_state_machine]",
        "local.state_machine_arns[rule.target_state_machine]",
    )
    problems = rule_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith("local.rule_targets: rule_targets is ")
