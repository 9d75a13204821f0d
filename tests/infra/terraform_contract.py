"""What terraform/ must agree with: devstack/stack.py, the ASL, and what devstack/provision.py
builds from them.

Each check takes a terraform/ directory and returns what disagrees, one line each, so the tests
run it on the tree (nothing) and on broken copies of it (exactly the break). Terraform
expressions are not evaluated in general: the few a check relies on are pinned as text, and
their meaning in provisioning's terms (``StackOutputs``) is given once, in ``MEANING``, so the
roles and definitions Terraform declares can be compared with the ones provisioning creates for
the same (synthetic) resources.
"""

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

from devstack import asl, provision
from devstack.paths import EVENT_PATTERNS_DIR
from devstack.provision import StackOutputs
from devstack.stack import EVENT_BUS, FUNCTIONS, QUEUES, TABLES, TOPICS, Naming, StateMachine
from devstack.terraform_check import parse
from tests.infra.stack_scope import RULES, STATE_MACHINES

ORDERS = Path("modules") / "orders"
STATE_MACHINE_MODULE = Path("modules") / "state_machine"
ENVIRONMENT = "test"
NAMING = Naming(ENVIRONMENT)
REGION, ACCOUNT = "eu-west-2", "123456789012"


# ---------------------------------------------------------------------------------------------
# Reading HCL


def plain(value: Any) -> Any:
    """HCL literals as python-hcl2 gives them ('"S"') as Python values ('S')."""
    if isinstance(value, str):
        return value[1:-1] if value.startswith('"') and value.endswith('"') else value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if not k.startswith("__")}
    return value


@functools.cache
def _parsed(path: Path, text: str) -> dict[str, Any]:
    """python-hcl2 is slow: each version of a file is parsed once (``text`` is the cache key)."""
    del text
    return parse(path)


def _documents(directory: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(directory.glob("*.tf")):
        yield copy.deepcopy(_parsed(path, path.read_text(encoding="utf-8")))


def module_locals(directory: Path) -> dict[str, Any]:
    """Every ``locals`` entry of a module's .tf files, merged."""
    merged: dict[str, Any] = {}
    for document in _documents(directory):
        for entry in document.get("locals", []):
            merged.update(plain(entry))
    return merged


def blocks(directory: Path, kind: str) -> dict[str, Any]:
    """``module``/``output`` blocks by name; ``resource``/``data`` blocks by "type.name"."""
    found: dict[str, Any] = {}
    for document in _documents(directory):
        for entry in document.get(kind, []):
            for raw_label, body in plain(entry).items():
                if kind in {"resource", "data"}:
                    for name, inner in body.items():
                        found[f"{raw_label}.{name}"] = inner
                else:
                    found[raw_label] = body
    return found


_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """Fill each ``${expression}`` whose expression is in ``values``; leave the others."""
    return _INTERPOLATION.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _differences(
    subject: str, declared: Mapping[str, Any], expected: Mapping[str, Any]
) -> list[str]:
    return [
        f"{subject}: {key} is {declared.get(key)!r}, expected {expected.get(key)!r}"
        for key in sorted(set(declared) | set(expected))
        if declared.get(key) != expected.get(key)
    ]


# ---------------------------------------------------------------------------------------------
# The same resources on both sides


def synthetic_outputs() -> StackOutputs:
    """What provisioning would return for the stack, with made-up but well-formed ARNs."""
    outputs = StackOutputs(region=REGION, account=ACCOUNT)
    prefix = f"{REGION}:{ACCOUNT}"
    for table in TABLES:
        outputs.tables[table.key] = NAMING.name(table.key)
        outputs.table_arns[table.key] = f"arn:aws:dynamodb:{prefix}:table/{NAMING.name(table.key)}"
    for function in FUNCTIONS:
        outputs.functions[function.key] = (
            f"arn:aws:lambda:{prefix}:function:{NAMING.name(function.key)}"
        )
    for topic in TOPICS:
        outputs.topics[topic] = f"arn:aws:sns:{prefix}:{NAMING.name(topic)}"
    outputs.buses[EVENT_BUS] = NAMING.name(EVENT_BUS)
    outputs.bus_arns[EVENT_BUS] = f"arn:aws:events:{prefix}:event-bus/{NAMING.name(EVENT_BUS)}"
    for queue in QUEUES:
        for key in (queue.key, queue.dlq_key):
            outputs.queues[key] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{NAMING.name(key)}"
            outputs.queue_arns[key] = f"arn:aws:sqs:{prefix}:{NAMING.name(key)}"
    for machine in STATE_MACHINES:
        outputs.state_machines[machine.key] = (
            f"arn:aws:states:{prefix}:stateMachine:{NAMING.name(machine.key)}"
        )
    return outputs


def execution_arns(tree: Path, state_machine_arn: str) -> str:
    """The state_machine module's ``execution_arns`` output, evaluated for one ARN."""
    value = blocks(tree / STATE_MACHINE_MODULE, "output")["execution_arns"]["value"]
    match = re.fullmatch(
        r'\$\{replace\(aws_sfn_state_machine\.this\.arn, "(?P<old>[^"]*)", "(?P<new>[^"]*)"\)\}'
        r"(?P<suffix>.*)",
        value,
    )
    if match is None:
        return f"<unevaluated: {value}>"
    return state_machine_arn.replace(match["old"], match["new"]) + match["suffix"]


Meaning = Callable[[Path, StackOutputs, str], str]

# What each expression in local.resources / local.resources_and_children stands for (with the
# comprehension's variable replaced by what it iterates over), in provisioning's terms: the
# module output Terraform reads -> the StackOutputs entry provisioning reads.
MEANING: Mapping[str, Meaning] = {
    "module.function[key].arn": lambda _, outputs, key: outputs.functions[key],
    "module.tables.names[key]": lambda _, outputs, key: outputs.tables[key],
    "module.tables.arns[key]": lambda _, outputs, key: outputs.table_arns[key],
    "module.messaging.topic_arn": lambda _, outputs, key: outputs.topics[key],
    "module.messaging.event_bus_name": lambda _, outputs, key: outputs.buses[key],
    "module.messaging.event_bus_arn": lambda _, outputs, key: outputs.bus_arns[key],
    "module.queue[key].url": lambda _, outputs, key: outputs.queues[key],
    "module.queue[key].arn": lambda _, outputs, key: outputs.queue_arns[key],
    # A child state machine: local.resources_and_children maps its key to module.<key>.
    "module.{key}.arn": lambda _, outputs, key: outputs.state_machines[key],
    "module.{key}.execution_arns": lambda tree, outputs, key: execution_arns(
        tree, outputs.state_machines[key]
    ),
}

_COMPREHENSION = re.compile(
    r"for key, (?P<var>\w+) in (?P<source>[\w.]+|\{[^{}]*\}) : key => "
    r"\{value = (?P<value>[^,]+), arns = \[(?P<arns>(?:[^\[\]]|\[[^\]]*\])*)\]\}"
)


def _qualify(expression: str, var: str, source: str) -> str:
    """``queue.url`` in ``for key, queue in module.queue`` -> ``module.queue[key].url``."""
    element = "module.{key}" if source.startswith("{") else f"{source}[key]"
    if expression == var:
        return element
    if expression.startswith(f"{var}."):
        return element + expression[len(var) :]
    return expression


def _kind_entry(entry: Any) -> tuple[str, list[str]] | None:
    """(value expression, ARN expressions) of one kind in local.resources, qualified."""
    if isinstance(entry, dict) and len(entry) == 1:
        (inner,) = entry.values()
        value = _INTERPOLATION.fullmatch(str(inner.get("value")))
        matches = [_INTERPOLATION.fullmatch(str(arn)) for arn in inner.get("arns", [])]
        arns = [match.group(1) for match in matches if match is not None]
        if value is None or not arns or len(arns) != len(matches):
            return None
        return value.group(1), arns
    found = _COMPREHENSION.search(str(entry))
    if found is None:
        return None
    var, source = found["var"], found["source"]
    qualified = [_qualify(arn.strip(), var, source) for arn in found["arns"].split(", ")]
    return _qualify(found["value"], var, source), qualified


def resource_kinds(tree: Path, lookup: str) -> dict[str, tuple[str, list[str]] | None]:
    """Each kind of ``local.<lookup>`` (resources or resources_and_children)."""
    declared = module_locals(tree / ORDERS)
    kinds = {kind: _kind_entry(entry) for kind, entry in declared.get("resources", {}).items()}
    if lookup == "resources_and_children":
        merged = str(declared.get("resources_and_children", ""))
        kinds["state_machine"] = (
            _kind_entry(merged)
            if merged.startswith("${merge(local.resources, {state_machine = ")
            else None
        )
    return kinds


def children(tree: Path) -> dict[str, str]:
    """The state machines local.resources_and_children lists: key -> the module it reads."""
    merged = str(module_locals(tree / ORDERS).get("resources_and_children", ""))
    listed = re.search(r"for key, machine in \{(?P<pairs>[^{}]*)\}", merged)
    if listed is None:
        return {}
    return dict(re.findall(r"(\w+) = module\.(\w+)", listed["pairs"]))


# ---------------------------------------------------------------------------------------------
# State machines


def grouped_service_calls(machine: StateMachine) -> dict[str, set[str]]:
    """devstack.asl.service_calls of the machine's ASL, by the placeholder naming the target."""
    calls: dict[str, set[str]] = {}
    for action, target in asl.service_calls(asl.load(Path(machine.definition_file))):
        placeholder = asl.PLACEHOLDER.fullmatch(target)
        name = placeholder.group(1) if placeholder else f"<not a placeholder: {target}>"
        calls.setdefault(name, set()).add(action)
    return calls


def _normalised(statements: list[dict[str, Any]]) -> list[str]:
    """IAM statements compared by effect, actions and resources (not Sid, not order)."""
    canonical = []
    for statement in statements:
        actions = statement["Action"]
        resources = statement["Resource"]
        canonical.append(
            json.dumps(
                {
                    "Effect": statement.get("Effect", "Allow"),
                    "Action": sorted([actions] if isinstance(actions, str) else actions),
                    "Resource": sorted([resources] if isinstance(resources, str) else resources),
                    **({"Condition": statement["Condition"]} if "Condition" in statement else {}),
                },
                sort_keys=True,
            )
        )
    return sorted(canonical)


def _policy_file_statements(tree: Path, name: str) -> list[dict[str, Any]]:
    document = json.loads((tree / "policies" / name).read_text(encoding="utf-8"))
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _module_policy_files(tree: Path, follows_child_executions: bool) -> list[str] | None:
    """The policies/ files the state_machine module merges, for one value of the flag."""
    document = blocks(tree / STATE_MACHINE_MODULE, "data")["aws_iam_policy_document.this"]
    sources = str(document.get("source_policy_documents", ""))
    conditional = re.fullmatch(
        r"\$\{concat\(var\.follows_child_executions \? \[(?P<when>[^\]]*)\] : \[\], "
        r"\[(?P<always>[^\]]*)\]\)\}",
        sources,
    )
    if conditional is None:
        return None

    def files(text: str) -> list[str]:
        return re.findall(r'file\("\$\{path\.module\}/\.\./\.\./policies/([\w.]+)"\)', text)

    return files(conditional["when"]) * follows_child_executions + files(conditional["always"])


def _module_statements_are_the_service_calls(tree: Path) -> list[str]:
    document = blocks(tree / STATE_MACHINE_MODULE, "data")["aws_iam_policy_document.this"]
    dynamic = document.get("dynamic", [{}])[0].get("statement", {})
    content = dynamic.get("content", [{}])[0]
    declared = {"for_each": dynamic.get("for_each"), **content}
    expected = {
        "for_each": "${var.service_calls}",
        "sid": "${statement.key}",
        "actions": "${sort(statement.value)}",
        "resources": "${var.placeholder_resources[statement.key]}",
    }
    return _differences("state_machine module: statements", declared, expected)


def _module_call(machine: StateMachine, lookup: str) -> dict[str, str]:
    entry = f"local.state_machines.{machine.key}"
    comprehension = (
        f"for placeholder, ref in {entry}.substitutions : "
        f"placeholder => local.{lookup}[ref.kind][ref.key]"
    )
    return {
        "source": "../state_machine",
        "name": f"${{local.name_prefix}}-{machine.key.replace('_', '-')}",
        "type": f"${{{entry}.type}}",
        "definition_file": f"${{{entry}.definition_file}}",
        "service_calls": f"${{{entry}.service_calls}}",
        "follows_child_executions": f"${{{entry}.runs_child_to_completion}}",
        "substitutions": f"${{{{{comprehension}.value}}}}",
        "placeholder_resources": f"${{{{{comprehension}.arns}}}}",
        "log_retention_in_days": "${var.log_retention_in_days}",
        "log_kms_key_arn": "${module.kms.key_arn}",
        "log_execution_data": "${var.log_execution_data}",
        "tags": "${var.tags}",
    }


def _terraform_view(
    tree: Path, machine: StateMachine, declared: Mapping[str, Any], outputs: StackOutputs
) -> tuple[dict[str, str], dict[str, list[str]]] | str:
    """The substitutions and placeholder resources Terraform passes, in provisioning's terms."""
    lookup = (
        "resources_and_children"
        if any(ref["kind"] == "state_machine" for ref in declared["substitutions"].values())
        else "resources"
    )
    kinds = resource_kinds(tree, lookup)
    values: dict[str, str] = {}
    resources: dict[str, list[str]] = {}
    for placeholder, ref in declared["substitutions"].items():
        entry = kinds.get(ref["kind"])
        if entry is None:
            return f"kind {ref['kind']!r} is not in local.{lookup}"
        value, arns = entry
        unknown = [e for e in (value, *arns) if e not in MEANING]
        if unknown:
            return f"local.{lookup}.{ref['kind']} uses {unknown}, which MEANING does not know"
        if ref["kind"] == "state_machine" and children(tree).get(ref["key"]) != ref["key"]:
            return f"{ref['key']} is not listed (as module.{ref['key']}) in resources_and_children"
        values[placeholder] = MEANING[value](tree, outputs, ref["key"])
        resources[placeholder] = [MEANING[a](tree, outputs, ref["key"]) for a in arns]
    return values, resources


def _machine_problems(
    tree: Path, machine: StateMachine, declared: Mapping[str, Any] | None, call: Any
) -> list[str]:
    subject = f"state machine {machine.key}"
    if declared is None:
        return [f"{subject}: not in local.state_machines"]
    problems: list[str] = []
    document = asl.load(Path(machine.definition_file))
    substitutions = {
        name: (ref.get("kind"), ref.get("key")) for name, ref in declared["substitutions"].items()
    }
    problems += _differences(
        subject,
        {
            "type": declared.get("type"),
            "definition_file": declared.get("definition_file"),
            "substitutions": substitutions,
            "service_calls": {k: set(v) for k, v in declared.get("service_calls", {}).items()},
            "runs_child_to_completion": declared.get("runs_child_to_completion"),
        },
        {
            "type": machine.type,
            "definition_file": f"${{local.statemachines_dir}}/{machine.key}.asl.json",
            "substitutions": dict(machine.substitutions),
            "service_calls": grouped_service_calls(machine),
            "runs_child_to_completion": asl.runs_child_to_completion(document),
        },
    )
    if set(substitutions) != asl.placeholders(Path(machine.definition_file).read_text()):
        problems.append(f"{subject}: substitutions are not exactly the ASL's placeholders")
    if call is None:
        return [*problems, f"{subject}: no module block {machine.key!r}"]
    lookup = (
        "resources_and_children"
        if any(kind == "state_machine" for kind, _ in machine.substitutions.values())
        else "resources"
    )
    problems += _differences(f"module.{machine.key}", call, _module_call(machine, lookup))
    if problems:
        return problems
    return problems + _compare_with_provisioning(tree, machine, declared)


def _compare_with_provisioning(
    tree: Path, machine: StateMachine, declared: Mapping[str, Any]
) -> list[str]:
    """The definition and role Terraform declares == the ones provisioning creates."""
    subject = f"state machine {machine.key}"
    outputs = synthetic_outputs()
    view = _terraform_view(tree, machine, declared, outputs)
    if isinstance(view, str):
        return [f"{subject}: {view}"]
    values, resources = view
    problems: list[str] = []
    rendered = asl.render_file(Path(machine.definition_file), values)
    if json.loads(rendered) != json.loads(provision.render_definition(machine, outputs)):
        problems.append(f"{subject}: the rendered definition differs from provisioning's")
    files = _module_policy_files(tree, bool(declared["runs_child_to_completion"]))
    if files is None:
        return [*problems, "state_machine module: source_policy_documents not as expected"]
    statements = [
        {"Action": actions, "Resource": resources[placeholder]}
        for placeholder, actions in declared["service_calls"].items()
    ]
    for name in files:
        statements += _policy_file_statements(tree, name)
    if _normalised(statements) != _normalised(
        provision._state_machine_statements(machine, outputs)
    ):
        problems.append(f"{subject}: the role's statements differ from provisioning's")
    return problems


def state_machine_problems(tree: Path) -> list[str]:
    """local.state_machines, the module blocks and the state_machine module against the stack."""
    declared = module_locals(tree / ORDERS)
    machines = declared.get("state_machines", {})
    calls = {
        name: body
        for name, body in blocks(tree / ORDERS, "module").items()
        if body.get("source") == "../state_machine"
    }
    keys = {machine.key for machine in STATE_MACHINES}
    problems = []
    if set(machines) != keys:
        problems.append(
            f"local.state_machines declares {sorted(machines)}, the stack {sorted(keys)}"
        )
    if set(calls) != keys:
        problems.append(
            f"state_machine module blocks are {sorted(calls)}, the stack's {sorted(keys)}"
        )
    if declared.get("statemachines_dir") != "${path.module}/../../../statemachines":
        problems.append("local.statemachines_dir is not <repository>/statemachines")
    problems += _differences(
        "local.state_machine_arns",
        declared.get("state_machine_arns", {}),
        {key: f"${{module.{key}.arn}}" for key in sorted(keys)},
    )
    problems += _module_statements_are_the_service_calls(tree)
    for machine in STATE_MACHINES:
        problems += _machine_problems(
            tree, machine, machines.get(machine.key), calls.get(machine.key)
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Rules


class _Recorder:
    """Stands in for every boto3 client provisioning asks for, and records the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Callable[..., dict[str, Any]]:
        def call(**arguments: Any) -> dict[str, Any]:
            self.calls.append((operation, arguments))
            return {
                "RuleArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{arguments.get('Name')}",
                "Role": {"Arn": f"arn:aws:iam::{ACCOUNT}:role/{arguments.get('RoleName')}"},
            }

        return call


def provisioned_rule_roles() -> dict[str, dict[str, Any]]:
    """The role provisioning creates for each rule that starts a state machine, by rule key."""
    recorder = _Recorder()
    with mock.patch.object(provision, "RULES", RULES):
        provision._route_to_state_machines(lambda _: recorder, NAMING, synthetic_outputs())
    roles: dict[str, dict[str, Any]] = {}
    rule_names = {NAMING.name(rule.key): rule.key for rule in RULES}
    for operation, arguments in recorder.calls:
        if operation == "create_role":
            trust = json.loads(arguments["AssumeRolePolicyDocument"])
            roles[rule_names[arguments["RoleName"]]] = {
                "role_name": arguments["RoleName"],
                "trust": _normalised_trust(trust["Statement"]),
            }
        if operation == "put_role_policy":
            role = roles[rule_names[arguments["RoleName"]]]
            role["policy_name"] = arguments["PolicyName"]
            role["statements"] = _normalised(json.loads(arguments["PolicyDocument"])["Statement"])
    return roles


def _normalised_trust(statements: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted(
        (str(statement["Action"]), str(statement["Principal"]["Service"]))
        for statement in statements
    )


def _declared_rule_roles(tree: Path) -> dict[str, dict[str, Any]] | str:
    """The role rules.tf declares for each rule that starts a state machine, evaluated."""
    declared = module_locals(tree / ORDERS)
    outputs = synthetic_outputs()
    resources, data = blocks(tree / ORDERS, "resource"), blocks(tree / ORDERS, "data")
    role = resources.get("aws_iam_role.start_state_machine", {})
    policy = resources.get("aws_iam_role_policy.start_state_machine", {})
    document = data.get("aws_iam_policy_document.start_state_machine", {})
    trust = data.get("aws_iam_policy_document.events_assume_role", {})
    wiring = {
        "role.for_each": role.get("for_each"),
        "role.assume_role_policy": role.get("assume_role_policy"),
        "policy.for_each": policy.get("for_each"),
        "policy.role": policy.get("role"),
        "policy.policy": policy.get("policy"),
        "document.for_each": document.get("for_each"),
        "local.state_machine_rules": declared.get("state_machine_rules"),
    }
    expected = {
        "role.for_each": "${local.state_machine_rules}",
        "role.assume_role_policy": "${data.aws_iam_policy_document.events_assume_role.json}",
        "policy.for_each": "${local.state_machine_rules}",
        "policy.role": "${aws_iam_role.start_state_machine[each.key].id}",
        "policy.policy": "${data.aws_iam_policy_document.start_state_machine[each.key].json}",
        "document.for_each": "${local.state_machine_rules}",
        "local.state_machine_rules": (
            "${{for key, rule in local.rules : key => rule "
            "if try(rule.target_state_machine, null) != null}}"
        ),
    }
    wrong = _differences("rules.tf", wiring, expected)
    if wrong:
        return "; ".join(wrong)
    machine_arns = {
        key: interpolate(
            str(value), {f"module.{k}.arn": v for k, v in outputs.state_machines.items()}
        )
        for key, value in declared.get("state_machine_arns", {}).items()
    }
    roles = {}
    for key, rule in declared.get("rules", {}).items():
        if rule.get("target_state_machine") is None:
            continue
        values = {
            "local.name_prefix": f"orders-{ENVIRONMENT}",
            "each.key": key,
            "local.state_machine_arns[each.value.target_state_machine]": machine_arns.get(
                rule["target_state_machine"], "<no such state machine>"
            ),
        }
        statements = [
            {
                "Action": statement.get("actions", []),
                "Resource": [interpolate(r, values) for r in statement.get("resources", [])],
                **({"Condition": statement["condition"]} if "condition" in statement else {}),
            }
            for statement in document.get("statement", [])
        ]
        odd = {"not_actions", "not_resources", "effect", "principals", "dynamic"}
        roles[key] = {
            "role_name": interpolate(str(role.get("name")), values),
            "policy_name": interpolate(str(policy.get("name")), values),
            "trust": sorted(
                (action, service)
                for statement in trust.get("statement", [])
                for action in statement.get("actions", [])
                for principal in statement.get("principals", [])
                if principal.get("type") == "Service"
                for service in principal.get("identifiers", [])
            ),
            "statements": _normalised(statements)
            + [
                f"unexpected {name}" for s in document.get("statement", []) for name in odd & set(s)
            ],
        }
    return roles


def rule_problems(tree: Path) -> list[str]:
    """local.rules against the stack; targets, senders and roles as provisioning makes them."""
    declared = module_locals(tree / ORDERS)
    problems = _differences(
        "local.rules",
        declared.get("rules", {}),
        {
            rule.key: {
                "pattern_file": rule.pattern_file,
                **({"target_queue": rule.target_queue} if rule.target_queue else {}),
                **(
                    {"target_state_machine": rule.target_state_machine}
                    if rule.target_state_machine
                    else {}
                ),
                **({"bus": rule.bus} if rule.bus != EVENT_BUS else {}),
                **(
                    {"pattern_substitutions": dict(rule.pattern_substitutions)}
                    if rule.pattern_substitutions
                    else {}
                ),
            }
            for rule in RULES
        },
    )
    for rule in RULES:
        if not (EVENT_PATTERNS_DIR / rule.pattern_file).is_file():
            problems.append(f"rule {rule.key}: no pattern file {rule.pattern_file}")
        if rule.target_queue and rule.target_queue not in declared.get("queues", {}):
            problems.append(f"rule {rule.key}: no queue {rule.target_queue} in local.queues")
    resources = blocks(tree / ORDERS, "resource")
    problems += _differences(
        "aws_cloudwatch_event_rule.this",
        resources.get("aws_cloudwatch_event_rule.this", {}),
        {
            "for_each": "${local.rules}",
            "name": "${local.name_prefix}-${each.key}",
            "event_bus_name": "${module.messaging.event_bus_name}",
            "event_pattern": '${file("${path.module}/../../events/${each.value.pattern_file}")}',
            "tags": "${var.tags}",
        },
    )
    problems += _differences(
        "aws_cloudwatch_event_target.this",
        resources.get("aws_cloudwatch_event_target.this", {}),
        {
            "for_each": "${local.rules}",
            "rule": "${aws_cloudwatch_event_rule.this[each.key].name}",
            "event_bus_name": "${module.messaging.event_bus_name}",
            # The target's key as provisioning's Id, its ARN, and the role if it has one.
            "target_id": "${local.rule_targets[each.key].id}",
            "arn": "${local.rule_targets[each.key].arn}",
            "role_arn": "${try(aws_iam_role.start_state_machine[each.key].arn, null)}",
        },
    )
    problems += _differences(
        "local.rule_targets",
        {"rule_targets": declared.get("rule_targets")},
        {
            "rule_targets": (
                "${{for key, rule in local.rules : key => "
                "{id = try(rule.target_queue, rule.target_state_machine), "
                "arn = try(rule.target_queue, null) != null ? "
                "module.queue[rule.target_queue].arn : "
                "local.state_machine_arns[rule.target_state_machine]}}}"
            )
        },
    )
    senders = str(blocks(tree / ORDERS, "module").get("queue", {}).get("senders", ""))
    if "if try(rule.target_queue, null) == each.key]" not in senders:
        problems.append("module.queue: senders are not only the rules that target that queue")
    roles = _declared_rule_roles(tree)
    if isinstance(roles, str):
        return [*problems, roles]
    problems += _differences("rule roles", roles, provisioned_rule_roles())
    return problems


def statemachines_dir(tree: Path) -> Path:
    """Where local.statemachines_dir points, seen from the orders module of ``tree``."""
    text = str(module_locals(tree / ORDERS)["statemachines_dir"])
    return (tree / ORDERS / text.replace("${path.module}/", "")).resolve()
