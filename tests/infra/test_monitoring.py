"""Operations as code: the alarms, alarm topic and dashboard (terraform/modules/monitoring, wired
in terraform/modules/orders/monitoring.tf) cover the stack devstack/stack.py declares, every
alarm notifies the topic and names a section of docs/runbook.md that exists, and every log group
keeps its events a set time under the stack's key, with X-Ray on everywhere.

As in terraform_contract.py, expressions are not evaluated: the few the checks rely on are pinned
as text, and their meaning is computed here from the parsed locals, so a function, queue or
state machine added to the stack is checked without touching this file.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.paths import REPO_ROOT
from devstack.stack import FUNCTIONS, QUEUES, STATE_MACHINES, STREAM_CONSUMERS
from tests.infra.conftest import edit_once
from tests.infra.terraform_contract import blocks, module_locals
from tests.infra.terraform_support import TERRAFORM_DIR

pytestmark = pytest.mark.infra

MONITORING = Path("modules") / "monitoring"
ORDERS = Path("modules") / "orders"
RUNBOOK = REPO_ROOT / "docs" / "runbook.md"
ALARM_ACTIONS = "${local.alarm_actions}"


@dataclass(frozen=True)
class AlarmKind:
    """One kind of alarm: an aws_cloudwatch_metric_alarm of modules/monitoring."""

    resource: str
    per: str | None  # the input whose every entry gets one (None: the API's one alarm)
    namespaces: tuple[str, ...]  # of its metric, or of the metrics of its metric math
    metrics: tuple[str, ...]  # the metric, or the metrics of its metric math
    dimension: str
    name: str  # the alarm's name, as written


_PER_FUNCTION = '${var.name_prefix}-${replace(each.key, "_", "-")}'
ALARM_KINDS = (
    AlarmKind(
        "lambda_error_rate",
        "functions",
        ("AWS/Lambda", "${var.metrics_namespace}"),
        ("Errors", "Invocations", "BusinessErrors"),
        "FunctionName",
        f"{_PER_FUNCTION}-error-rate",
    ),
    AlarmKind(
        "lambda_p95_duration",
        "functions",
        ("AWS/Lambda",),
        ("Duration",),
        "FunctionName",
        f"{_PER_FUNCTION}-p95-duration",
    ),
    AlarmKind(
        "lambda_throttles",
        "functions",
        ("AWS/Lambda",),
        ("Throttles",),
        "FunctionName",
        f"{_PER_FUNCTION}-throttles",
    ),
    AlarmKind(
        "dead_letter_queue_depth",
        "dead_letter_queues",
        ("AWS/SQS",),
        ("ApproximateNumberOfMessagesVisible",),
        "QueueName",
        "${var.name_prefix}-${each.key}-depth",
    ),
    AlarmKind(
        "executions_failed",
        "state_machines",
        ("AWS/States",),
        ("ExecutionsFailed",),
        "StateMachineArn",
        f"{_PER_FUNCTION}-executions-failed",
    ),
    AlarmKind(
        "executions_timed_out",
        "state_machines",
        ("AWS/States",),
        ("ExecutionsTimedOut",),
        "StateMachineArn",
        f"{_PER_FUNCTION}-executions-timed-out",
    ),
    AlarmKind(
        "executions_throttled",
        "state_machines",
        ("AWS/States",),
        ("ExecutionThrottled",),  # singular: Step Functions' name for it
        "StateMachineArn",
        f"{_PER_FUNCTION}-executions-throttled",
    ),
    AlarmKind(
        "api_5xx", None, ("AWS/ApiGateway",), ("5XXError",), "ApiName", "${var.name_prefix}-api-5xx"
    ),
)

# How orders/monitoring.tf fills the module's inputs, pinned; their meaning is computed below.
FUNCTIONS_INPUT = (
    "${{for key, function in local.functions : key => "
    "{name = module.function[key].function_name, timeout = function.timeout, "
    'service = replace(key, "_", "-")}}}'
)
QUEUES_INPUT = (
    "${{for key, queue in local.queues : key => module.queue[key].name "
    "if try(queue.dead_letter, true)}}"
)
DEAD_LETTER_QUEUES = (
    '${merge({for key, queue in local.queues : "${key}-dlq" => module.queue[key].dlq_name '
    "if try(queue.dead_letter, true)}, {for consumer in values(local.stream_consumers) : "
    "consumer.on_failure_queue => module.queue[consumer.on_failure_queue].name})}"
)
API_EXECUTION_LOG_GROUP = (
    "API-Gateway-Execution-Logs_${module.api.rest_api_id}/${var.api_stage_name}"
)


# ---------------------------------------------------------------------------------------------
# The runbook


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def runbook_anchors(text: str) -> tuple[set[str], set[str]]:
    """(every heading's anchor, the anchors of the alarm sections: ### under ## Alarms)."""
    every: set[str] = set()
    alarms: set[str] = set()
    section = ""
    for line in text.splitlines():
        match = re.match(r"(#{1,6}) (.+)", line)
        if not match:
            continue
        level, title = len(match.group(1)), match.group(2)
        every.add(anchor(title))
        if level == 2:
            section = title
        elif level == 3 and section == "Alarms":
            alarms.add(anchor(title))
    return every, alarms


_RUNBOOK_LINK = re.compile(r"Runbook: \$\{var\.runbook_url\}#([a-z0-9-]+)$")


# ---------------------------------------------------------------------------------------------
# The checks, on a terraform/ directory and a runbook


def _metrics(body: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """(namespaces, metric names, dimension names) an alarm reads, metric math included."""
    if "metric_query" not in body:
        return {body.get("namespace")}, {body.get("metric_name")}, set(body.get("dimensions", {}))
    metrics = [m for query in body["metric_query"] for m in query.get("metric", [])]
    return (
        {m["namespace"] for m in metrics},
        {m["metric_name"] for m in metrics},
        {d for m in metrics for d in m.get("dimensions", {})},
    )


def _kind_problems(name: str, body: dict[str, Any], kind: AlarmKind) -> list[str]:
    """One alarm against its kind: declared per entry of its input, named, reading its metric
    by its dimension, notifying the topic on ALARM and OK, no data not breaching."""
    problems: list[str] = []
    expected_for_each = f"${{var.{kind.per}}}" if kind.per else None
    if body.get("for_each") != expected_for_each:
        problems.append(f"alarm {name}: for_each is {body.get('for_each')!r}")
    if body.get("alarm_name") != kind.name:
        problems.append(f"alarm {name}: named {body.get('alarm_name')!r}, not {kind.name!r}")
    namespaces, metric_names, dimensions = _metrics(body)
    if (namespaces, metric_names) != (set(kind.namespaces), set(kind.metrics)):
        problems.append(f"alarm {name}: reads {sorted(namespaces)} {sorted(metric_names)}")
    if kind.dimension not in dimensions:
        problems.append(f"alarm {name}: not by {kind.dimension}")
    problems += [
        f"alarm {name}: {actions} is {body.get(actions)!r}"
        for actions in ("alarm_actions", "ok_actions")
        if body.get(actions) != ALARM_ACTIONS
    ]
    if body.get("treat_missing_data") != "notBreaching":
        problems.append(f"alarm {name}: no data must not breach")
    return problems


def alarm_problems(tree: Path, runbook: str) -> list[str]:
    """Every alarm of modules/monitoring is one of ALARM_KINDS and right for its kind, and links
    a runbook section that exists; every alarm section of the runbook is an alarm kind."""
    problems: list[str] = []
    resources = blocks(tree / MONITORING, "resource")
    alarms = {
        key.split(".", 1)[1]: body
        for key, body in resources.items()
        if key.startswith("aws_cloudwatch_metric_alarm.")
    }
    kinds = {kind.resource: kind for kind in ALARM_KINDS}
    if sorted(alarms) != sorted(kinds):
        problems.append(f"alarms are {sorted(alarms)}, the kinds {sorted(kinds)}")
    every_anchor, alarm_sections = runbook_anchors(runbook)
    linked: set[str] = set()
    for name, body in alarms.items():
        if name in kinds:
            problems += _kind_problems(name, body, kinds[name])
        link = _RUNBOOK_LINK.search(body.get("alarm_description", ""))
        if link is None:
            problems.append(f"alarm {name}: its description does not end with its runbook link")
        elif link.group(1) not in every_anchor:
            problems.append(f"alarm {name}: the runbook has no section #{link.group(1)}")
        if link is not None:
            linked.add(link.group(1))
    if alarm_sections != linked:
        problems.append(
            f"the runbook's alarm sections are {sorted(alarm_sections)}, "
            f"the alarms link {sorted(linked)}"
        )
    return problems


def topic_problems(tree: Path) -> list[str]:
    """The alarms' topic is encrypted with the key the module is given; the stack's key lets
    CloudWatch use it; only this stack's alarms may publish."""
    problems: list[str] = []
    monitoring = tree / MONITORING
    if module_locals(monitoring).get("alarm_actions") != ["${aws_sns_topic.this.arn}"]:
        problems.append("local.alarm_actions is not the alarm topic")
    topic = blocks(monitoring, "resource").get("aws_sns_topic.this", {})
    if topic.get("kms_master_key_id") != "${var.kms_key_arn}":
        problems.append(f"the topic's key is {topic.get('kms_master_key_id')!r}")
    statements = blocks(monitoring, "data")["aws_iam_policy_document.topic"]["statement"]
    conditions = [c for s in statements for c in s.get("condition", [])]
    pattern = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:"
    if [c["values"] for c in conditions] != [[pattern + "${var.name_prefix}-*"]]:
        problems.append("the topic policy does not admit exactly this stack's alarms")
    key_policy = blocks(tree / "modules" / "kms", "data")["aws_iam_policy_document.this"]
    cloudwatch = [
        s
        for s in key_policy["statement"]
        if any(p["identifiers"] == ["cloudwatch.amazonaws.com"] for p in s.get("principals", []))
    ]
    if [sorted(s["actions"]) for s in cloudwatch] != [["kms:Decrypt", "kms:GenerateDataKey*"]]:
        problems.append("the stack's key does not let CloudWatch alarms use it")
    return problems


def _dead_letter_queue_keys(stack_locals: dict[str, Any]) -> set[str]:
    """What DEAD_LETTER_QUEUES gives, by key."""
    queues = stack_locals["queues"]
    return {f"{key}-dlq" for key, queue in queues.items() if queue.get("dead_letter", True)} | {
        consumer["on_failure_queue"] for consumer in stack_locals["stream_consumers"].values()
    }


def wiring_problems(tree: Path) -> list[str]:
    """orders/monitoring.tf gives the module every function, state machine, dead-letter queue
    (and on-failure queue) of the stack, the API by its name and stage, and the stack's key."""
    problems: list[str] = []
    orders = tree / ORDERS
    modules = blocks(orders, "module")
    call = modules.get("monitoring", {})
    stack_locals = module_locals(orders)
    expected = {
        "source": "../monitoring",
        "count": "${var.monitoring_enabled ? 1 : 0}",
        "name_prefix": "${local.name_prefix}",
        "kms_key_arn": "${module.kms.key_arn}",
        "alarm_email": "${var.alarm_email}",
        "functions": FUNCTIONS_INPUT,
        "queues": QUEUES_INPUT,
        "dead_letter_queues": "${local.dead_letter_queues}",
    }
    problems += [
        f"module.monitoring: {name} is {call.get(name)!r}, expected {value!r}"
        for name, value in expected.items()
        if call.get(name) != value
    ]
    if stack_locals.get("dead_letter_queues") != DEAD_LETTER_QUEUES:
        problems.append(f"local.dead_letter_queues is {stack_locals.get('dead_letter_queues')!r}")
    if set(stack_locals["functions"]) != {f.key for f in FUNCTIONS}:
        problems.append("local.functions is not the stack's functions")
    wanted = {q.dlq_key for q in QUEUES if q.dead_letter} | {
        c.on_failure_queue for c in STREAM_CONSUMERS
    }
    if _dead_letter_queue_keys(stack_locals) != wanted:
        problems.append(
            f"dead-letter queues are {sorted(_dead_letter_queue_keys(stack_locals))}, "
            f"the stack's {sorted(wanted)}"
        )
    machines = call.get("state_machines", {})
    if set(machines) != {m.key for m in STATE_MACHINES}:
        problems.append(
            f"module.monitoring: state_machines are {sorted(machines)}, "
            f"the stack's {sorted(m.key for m in STATE_MACHINES)}"
        )
    for key, machine in machines.items():
        reads = {"name": f"${{module.{key}.name}}", "arn": f"${{module.{key}.arn}}"}
        if machine != reads or modules.get(key, {}).get("source") != "../state_machine":
            problems.append(f"module.monitoring: state machine {key} is not module.{key}")
    api = call.get("api", {})
    if api.get("name") != modules.get("api", {}).get("name"):
        problems.append(f"module.monitoring: the API is {api.get('name')!r}, not module.api's")
    if api.get("stage") != "${module.api.stage_name}":
        problems.append(f"module.monitoring: the API stage is {api.get('stage')!r}")
    return problems


def test_every_resource_of_the_stack_has_its_alarms_and_each_links_its_runbook_section() -> None:
    """Error rate, p95 duration and throttles for every function; depth for every dead-letter
    queue and the stream's on-failure queue; executions failed, timed out and throttled for
    every state machine; 5xx for the API. Each notifies the alarm topic on ALARM and OK."""
    runbook = RUNBOOK.read_text(encoding="utf-8")
    assert alarm_problems(TERRAFORM_DIR, runbook) == []
    assert wiring_problems(TERRAFORM_DIR) == []
    assert {kind.per for kind in ALARM_KINDS} == {
        "functions",
        "dead_letter_queues",
        "state_machines",
        None,
    }


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use() -> None:
    assert topic_problems(TERRAFORM_DIR) == []


def test_the_module_has_the_usual_files_and_the_roots_expose_topic_and_dashboard() -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (TERRAFORM_DIR / MONITORING / name).is_file(), name
    outputs = blocks(TERRAFORM_DIR / ORDERS, "output")
    assert outputs["alarm_topic_arn"]["value"] == "${one(module.monitoring[*].alarm_topic_arn)}"
    assert outputs["dashboard_name"]["value"] == "${one(module.monitoring[*].dashboard_name)}"
    for env in ("dev", "prod"):
        root = TERRAFORM_DIR / "envs" / env
        assert blocks(root, "module")["orders"]["alarm_email"] == "${var.alarm_email}"
        assert "monitoring_enabled" not in blocks(root, "module")["orders"]  # on by default
        assert blocks(root, "variable")["alarm_email"]["default"] is None
        assert set(blocks(root, "output")) >= {"alarm_topic_arn", "dashboard_name"}
    variables = blocks(TERRAFORM_DIR / ORDERS, "variable")
    assert variables["monitoring_enabled"]["default"] is True
    # MiniStack keeps no metric math queries (terraform/README.md): no monitoring locally.
    local = blocks(TERRAFORM_DIR / "envs" / "local", "module")["orders"]
    assert local["monitoring_enabled"] is False


def test_the_dashboard_graphs_the_api_every_function_state_machine_and_queue() -> None:
    graphs = module_locals(TERRAFORM_DIR / MONITORING)["graphs"]
    for source in (
        "var.api.name",
        "for key, function in var.functions",
        "for machine in var.state_machines",
        "for name in var.queues",
        "for name in var.dead_letter_queues",
    ):
        assert source in graphs, source
    dashboard = blocks(TERRAFORM_DIR / MONITORING, "resource")["aws_cloudwatch_dashboard.this"]
    assert dashboard["dashboard_name"] == "${var.name_prefix}-overview"
    assert "alarms = local.alarm_arns" in dashboard["dashboard_body"]
    alarm_arns = module_locals(TERRAFORM_DIR / MONITORING)["alarm_arns"]
    for kind in ALARM_KINDS:
        assert f"aws_cloudwatch_metric_alarm.{kind.resource}" in alarm_arns, kind.resource


# ---------------------------------------------------------------------------------------------
# Log groups and tracing, everywhere in the stack's modules and roots


def _stack_directories() -> list[Path]:
    return sorted(
        path
        for path in [*(TERRAFORM_DIR / "modules").iterdir(), *(TERRAFORM_DIR / "envs").iterdir()]
        if any(path.glob("*.tf"))
    )


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    return {
        f"{directory.name}/{name}": body
        for directory in _stack_directories()
        for name, body in blocks(directory, "resource").items()
        if name.startswith(f"{kind}.")
    }


def test_every_log_group_keeps_events_a_set_time_under_the_stacks_key() -> None:
    groups = _resources("aws_cloudwatch_log_group")
    assert {name.split("/")[0] for name in groups} >= {"function", "state_machine", "api", "orders"}
    for name, group in groups.items():
        assert group.get("retention_in_days") == "${var.log_retention_in_days}", name
        assert str(group.get("kms_key_id", "")).startswith("${"), name


def test_api_gateway_execution_logs_go_to_a_declared_log_group() -> None:
    """With execution logging on, API Gateway creates API-Gateway-Execution-Logs_<id>/<stage>
    itself, kept forever and unencrypted, unless the group exists."""
    settings = _resources("aws_api_gateway_method_settings")
    assert [s["settings"][0]["logging_level"] for s in settings.values()] == ["INFO"]
    group = blocks(TERRAFORM_DIR / ORDERS, "resource")["aws_cloudwatch_log_group.api_execution"]
    assert group["name"] == API_EXECUTION_LOG_GROUP
    assert blocks(TERRAFORM_DIR / ORDERS, "module")["api"]["stage_name"] == "${var.api_stage_name}"


def test_x_ray_traces_every_function_state_machine_and_the_api_stage() -> None:
    functions = _resources("aws_lambda_function")
    machines = _resources("aws_sfn_state_machine")
    stages = _resources("aws_api_gateway_stage")
    assert functions and machines and stages
    for name, function in functions.items():
        assert function["tracing_config"] == [{"mode": "Active"}], name
    for name, machine in machines.items():
        assert machine["tracing_configuration"] == [{"enabled": True}], name
    for name, stage in stages.items():
        assert stage["xray_tracing_enabled"] is True, name


def test_anchors_are_the_ones_github_makes() -> None:
    assert anchor("Lambda p95 duration") == "lambda-p95-duration"
    assert anchor("Dead-letter queue depth") == "dead-letter-queue-depth"
    assert anchor("API 5xx") == "api-5xx"


# ---------------------------------------------------------------------------------------------
# Mutation tests: break a copy the way a careless edit would, and the check reports exactly it.


def test_a_state_machine_left_out_of_the_alarms_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / ORDERS / "monitoring.tf",
        "    inventory_import = { name = module.inventory_import.name, arn = "
        "module.inventory_import.arn }\n",
        "",
    )
    assert wiring_problems(tree_copy) == [
        "module.monitoring: state_machines are "
        "['order_fulfilment', 'order_processing', 'pick_pack_label'], the stack's "
        "['inventory_import', 'order_fulfilment', 'order_processing', 'pick_pack_label']"
    ]


def test_the_stream_failures_queue_left_out_of_the_alarms_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / ORDERS / "monitoring.tf",
        "    { for consumer in values(local.stream_consumers) : consumer.on_failure_queue => "
        "module.queue[consumer.on_failure_queue].name },\n",
        "",
    )
    problems = wiring_problems(tree_copy)
    assert len(problems) == 1
    assert problems[0].startswith("local.dead_letter_queues is ")


def test_an_alarm_that_does_not_say_when_it_is_ok_is_reported(tree_copy: Path) -> None:
    path = tree_copy / MONITORING / "alarms.tf"
    text = path.read_text(encoding="utf-8")
    start = text.index('resource "aws_cloudwatch_metric_alarm" "lambda_throttles"')
    end = text.index("ok_actions", start)
    line_end = text.index("\n", end) + 1
    path.write_text(text[:end] + text[line_end:].lstrip(" "), encoding="utf-8")
    runbook = RUNBOOK.read_text(encoding="utf-8")
    assert alarm_problems(tree_copy, runbook) == ["alarm lambda_throttles: ok_actions is None"]


def test_a_runbook_without_an_alarms_section_is_reported() -> None:
    runbook = RUNBOOK.read_text(encoding="utf-8").replace("### API 5xx\n", "### API errors\n")
    assert alarm_problems(TERRAFORM_DIR, runbook) == [
        "alarm api_5xx: the runbook has no section #api-5xx",
        "the runbook's alarm sections are ['api-errors', 'dead-letter-queue-depth', "
        "'executions-failed', 'executions-throttled', 'executions-timed-out', "
        "'lambda-error-rate', 'lambda-p95-duration', 'lambda-throttles'], the alarms link "
        "['api-5xx', 'dead-letter-queue-depth', 'executions-failed', 'executions-throttled', "
        "'executions-timed-out', 'lambda-error-rate', 'lambda-p95-duration', 'lambda-throttles']",
    ]


def test_a_topic_on_the_aws_managed_key_is_reported(tree_copy: Path) -> None:
    edit_once(
        tree_copy / MONITORING / "main.tf",
        "kms_master_key_id = var.kms_key_arn",
        'kms_master_key_id = "alias/aws/sns"',
    )
    assert topic_problems(tree_copy) == ["the topic's key is 'alias/aws/sns'"]
