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
import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from devstack import asl, provision
from devstack.paths import EVENT_PATTERNS_DIR
from devstack.provision import StackOutputs
from devstack.stack import (
    BUCKETS,
    EVENT_BUS,
    FUNCTIONS,
    QUEUES,
    RULES,
    STATE_MACHINES,
    TABLES,
    TOPICS,
    Naming,
    Rule,
    StateMachine,
)
from devstack.terraform_check import parse

ORDERS = Path("modules") / "orders"
STATE_MACHINE_MODULE = Path("modules") / "state_machine"
BUCKET_MODULE = Path("modules") / "bucket"
FUNCTION_MODULE = Path("modules") / "function"
MESSAGING_MODULE = Path("modules") / "messaging"
ENVIRONMENT = "test"
NAMING = Naming(ENVIRONMENT)
REGION, ACCOUNT = "eu-west-2", "123456789012"
# The alias every caller of a function or state machine names in Terraform (devstack/release.py).
LIVE_ALIAS = "live"


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
        if table.stream_view_type:
            stream = "stream/2020-01-01T00:00:00.000"
            outputs.stream_arns[table.key] = f"{outputs.table_arns[table.key]}/{stream}"
    for function in FUNCTIONS:
        outputs.functions[function.key] = (
            f"arn:aws:lambda:{prefix}:function:{NAMING.name(function.key)}"
        )
    for topic in TOPICS:
        outputs.topics[topic] = f"arn:aws:sns:{prefix}:{NAMING.name(topic)}"
    for bucket in BUCKETS:
        outputs.buckets[bucket.key] = NAMING.bucket_name(bucket.key, ACCOUNT)
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


def live(arn: str) -> str:
    """A function's or state machine's ARN -> its live alias's ARN."""
    return f"{arn}:{LIVE_ALIAS}"


class CallersView(StackOutputs):
    """Provisioning's outputs as Terraform's callers see them.

    Terraform publishes versions behind a ``live`` alias and every caller names the alias: an
    ASL placeholder of kind function or state_machine is filled with the alias ARN, and a role
    may invoke a function's alias only (Lambda authorises the qualified ARN a caller names).
    A start through a state machine's alias is authorised against the state machine's own ARN,
    so the statement about a child still names the state machine and its executions.
    Provisioning builds emulator stacks that have one version of everything and wires the
    functions and state machines themselves; the comparison gives it the alias ARNs, so a
    definition or role wired to an unqualified ARN in Terraform differs from it.
    """

    def resolve(self, kind: str, key: str) -> str:
        value = super().resolve(kind, key)
        return live(value) if kind in {"function", "state_machine"} else value


def callers_view(outputs: StackOutputs) -> CallersView:
    return CallersView(**dataclasses.asdict(outputs))


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
    "module.function[key].alias_arn": lambda _, outputs, key: live(outputs.functions[key]),
    "module.tables.names[key]": lambda _, outputs, key: outputs.tables[key],
    "module.tables.arns[key]": lambda _, outputs, key: outputs.table_arns[key],
    "module.messaging.topic_arns[key]": lambda _, outputs, key: outputs.topics[key],
    "module.messaging.event_bus_name": lambda _, outputs, key: outputs.buses[key],
    "module.messaging.event_bus_arn": lambda _, outputs, key: outputs.bus_arns[key],
    "module.queue[key].url": lambda _, outputs, key: outputs.queues[key],
    "module.queue[key].arn": lambda _, outputs, key: outputs.queue_arns[key],
    "module.bucket[key].name": lambda _, outputs, key: outputs.buckets[key],
    "module.bucket[key].arn": lambda _, outputs, key: outputs.resource_arns("bucket", key)[0],
    # A child state machine: local.resources_and_children maps its key to module.<key>.
    "module.{key}.arn": lambda _, outputs, key: outputs.state_machines[key],
    # What a parent starts: the child's live alias (start_arn; pinned by alias_wiring_problems).
    "module.{key}.start_arn": lambda _, outputs, key: live(outputs.state_machines[key]),
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
        "canary_weight": "${var.canary_weight}",
        "stable_version_arn": (
            f'${{lookup(var.stable_versions.state_machines, "{machine.key}", null)}}'
        ),
        "start_through_alias": "${var.start_state_machines_through_aliases}",
        "permissions_boundary": "${var.permissions_boundary}",  # terraform/bootstrap's
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
    """The definition and role Terraform declares == the ones provisioning creates, seen as
    Terraform's callers see them (``CallersView``)."""
    subject = f"state machine {machine.key}"
    outputs = callers_view(synthetic_outputs())
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


_PATTERN_FILE = '"${path.module}/../../events/${each.value.pattern_file}"'
# How a rule reads its pattern: templatefile with the values of its pattern_substitutions.
PATTERN_VALUES = (
    "{for placeholder, ref in try(each.value.pattern_substitutions, {}) : "
    "placeholder => local.pattern_values[ref.kind][ref.key]}"
)
_READ_PATTERN = re.compile(
    r"\$\{(?P<function>file|templatefile)\(" + re.escape(_PATTERN_FILE) + r"(?:, (?P<vars>.*))?\)\}"
)
_NAME_COMPREHENSION = re.compile(
    r"\$\{\{for key, (?P<var>\w+) in (?P<source>[\w.]+) : key => (?P<value>[\w.\[\]]+)\}\}"
)


def _pattern_values(tree: Path, outputs: StackOutputs) -> dict[str, dict[str, str]] | str:
    """local.pattern_values (kind -> key -> the value that fills a pattern placeholder),
    evaluated in provisioning's terms."""
    kinds: dict[str, dict[str, str]] = {}
    declared = module_locals(tree / ORDERS).get("pattern_values", {})
    for kind, entry in declared.items():
        found = _NAME_COMPREHENSION.fullmatch(str(entry))
        expression = _qualify(found["value"], found["var"], found["source"]) if found else ""
        if expression not in MEANING:
            return f"local.pattern_values.{kind} is {entry!r}, which MEANING does not know"
        lookup = {"bucket": outputs.buckets}.get(kind, {})
        kinds[kind] = {key: MEANING[expression](tree, outputs, key) for key in lookup}
    return kinds


def _templatefile(template: str, values: Mapping[str, str]) -> str:
    """Terraform's templatefile for ${Name} placeholders: a placeholder without a value fails."""
    missing = sorted(set(asl.PLACEHOLDER.findall(template)) - set(values))
    if missing:
        return f"<templatefile fails: no value for {missing}>"
    return asl.PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _declared_pattern(
    tree: Path, expression: str, rule: Mapping[str, Any], outputs: StackOutputs
) -> str:
    """The pattern event_pattern gives one rule (file() leaves placeholders as they are)."""
    read = _READ_PATTERN.fullmatch(expression)
    if read is None:
        return f"<unevaluated: {expression}>"
    text = (tree / "events" / str(rule.get("pattern_file"))).read_text(encoding="utf-8")
    if read["function"] == "file":
        return text
    if read["vars"] != PATTERN_VALUES:
        return f"<unevaluated templatefile values: {read['vars']}>"
    kinds = _pattern_values(tree, outputs)
    if isinstance(kinds, str):
        return f"<{kinds}>"
    values = {
        placeholder: kinds.get(ref.get("kind"), {}).get(ref.get("key"), "<unknown>")
        for placeholder, ref in rule.get("pattern_substitutions", {}).items()
    }
    return _templatefile(text, values)


def _as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _declared_buses(tree: Path, outputs: StackOutputs) -> dict[str, str]:
    """local.rule_buses, evaluated: the bus each rule of local.rules listens on."""
    declared = module_locals(tree / ORDERS)
    expected = (
        "${{for key, rule in local.rules : key => try(rule.bus, local.event_bus) == "
        "local.event_bus ? module.messaging.event_bus_name : rule.bus}}"
    )
    if declared.get("rule_buses") != expected:
        return {key: f"<unevaluated: {declared.get('rule_buses')}>" for key in declared["rules"]}
    event_bus = declared.get("event_bus")
    return {
        key: outputs.buses[event_bus] if rule.get("bus", event_bus) == event_bus else rule["bus"]
        for key, rule in declared.get("rules", {}).items()
    }


def _rule_entry(rule: Rule) -> dict[str, Any]:
    """The local.rules entry of a rule of the stack."""
    return {
        "pattern_file": rule.pattern_file,
        **({"target_queue": rule.target_queue} if rule.target_queue else {}),
        **(
            {"target_state_machine": rule.target_state_machine} if rule.target_state_machine else {}
        ),
        **({"bus": rule.bus} if rule.bus != EVENT_BUS else {}),
        **(
            {
                "pattern_substitutions": {
                    name: {"kind": kind, "key": key}
                    for name, (kind, key) in rule.pattern_substitutions.items()
                }
            }
            if rule.pattern_substitutions
            else {}
        ),
    }


def _rules_as_provisioned(tree: Path) -> list[str]:
    """Each rule's bus (rule and target) and rendered pattern == provisioning's."""
    declared = module_locals(tree / ORDERS).get("rules", {})
    resources = blocks(tree / ORDERS, "resource")
    rule_block = resources.get("aws_cloudwatch_event_rule.this", {})
    target_block = resources.get("aws_cloudwatch_event_target.this", {})
    outputs = synthetic_outputs()
    buses = _declared_buses(tree, outputs)

    def bus(expression: Any, key: str) -> str:
        evaluated = {
            "${local.rule_buses[each.key]}": buses.get(key),
            "${module.messaging.event_bus_name}": outputs.buses[EVENT_BUS],
        }
        return evaluated.get(str(expression)) or f"<unevaluated: {expression}>"

    problems = []
    for rule in RULES:
        if rule.key not in declared:
            continue
        subject = f"rule {rule.key}"
        provisioned_bus = provision.rule_bus(rule, outputs)
        for what, block in (("rule", rule_block), ("target", target_block)):
            on = bus(block.get("event_bus_name"), rule.key)
            if on != provisioned_bus:
                problems.append(
                    f"{subject}: the {what} is on {on!r}, provisioning's on {provisioned_bus!r}"
                )
        pattern = _declared_pattern(
            tree, str(rule_block.get("event_pattern")), declared[rule.key], outputs
        )
        if _as_json(pattern) != json.loads(provision.event_pattern(rule, outputs)):
            problems.append(f"{subject}: the event pattern differs from provisioning's: {pattern}")
    return problems


def rule_problems(tree: Path) -> list[str]:
    """local.rules against the stack; buses, patterns, targets, senders and roles as
    provisioning makes them."""
    declared = module_locals(tree / ORDERS)
    problems = _differences(
        "local.rules", declared.get("rules", {}), {rule.key: _rule_entry(rule) for rule in RULES}
    )
    for rule in RULES:
        if not (EVENT_PATTERNS_DIR / rule.pattern_file).is_file():
            problems.append(f"rule {rule.key}: no pattern file {rule.pattern_file}")
        if rule.target_queue and rule.target_queue not in declared.get("queues", {}):
            problems.append(f"rule {rule.key}: no queue {rule.target_queue} in local.queues")
    resources = blocks(tree / ORDERS, "resource")
    rule_block = dict(resources.get("aws_cloudwatch_event_rule.this", {}))
    target_block = dict(resources.get("aws_cloudwatch_event_target.this", {}))
    # The bus and the pattern are evaluated below (_rules_as_provisioned).
    for block in (rule_block, target_block):
        block.pop("event_bus_name", None)
    rule_block.pop("event_pattern", None)
    problems += _differences(
        "aws_cloudwatch_event_rule.this",
        rule_block,
        {
            "for_each": "${local.rules}",
            "name": "${local.name_prefix}-${each.key}",
            "tags": "${var.tags}",
        },
    )
    problems += _differences(
        "aws_cloudwatch_event_target.this",
        target_block,
        {
            "for_each": "${local.rules}",
            "rule": "${aws_cloudwatch_event_rule.this[each.key].name}",
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
                "local.state_machine_start_arns[rule.target_state_machine]}}}"
            )
        },
    )
    problems += _rules_as_provisioned(tree)
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


# ---------------------------------------------------------------------------------------------
# Buckets

# What Terraform sets and provisioning does not: the emulators' buckets live for minutes, so
# nothing there is billed for parts of an upload that never completed. Nothing else may differ.
TERRAFORM_ONLY_LIFECYCLE_RULES = (
    {
        "ID": "abort-incomplete-uploads",
        "Filter": {},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    },
)


def provisioned_bucket(key: str) -> dict[str, Any]:
    """What provisioning asks S3 for, for one bucket of the stack: operation -> arguments."""
    bucket = next(b for b in BUCKETS if b.key == key)
    recorder = _Recorder()
    provision._create_bucket(recorder, bucket, NAMING.bucket_name(key, ACCOUNT), REGION)
    calls: dict[str, Any] = {}
    for operation, recorded in recorder.calls:
        arguments = {k: v for k, v in recorded.items() if k != "Bucket"}
        if operation == "put_bucket_policy":
            arguments["Policy"] = _normalised_policy(json.loads(arguments["Policy"])["Statement"])
        if operation == "put_bucket_lifecycle_configuration":
            arguments["LifecycleConfiguration"]["Rules"].sort(key=lambda rule: rule["ID"])
        calls[operation] = arguments
    calls["name"] = NAMING.bucket_name(key, ACCOUNT)
    return calls


def _listed(value: Any) -> list[Any]:
    return sorted(value) if isinstance(value, list) else [value]


def _normalised_policy(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resource policy statements with every list sorted and every single value listed."""
    return [
        {
            "Sid": statement.get("Sid"),
            "Effect": statement.get("Effect", "Allow"),
            "Principal": statement.get("Principal"),
            "Action": _listed(statement.get("Action")),
            "Resource": _listed(statement.get("Resource")),
            "Condition": {
                test: {name: _listed(values) for name, values in variables.items()}
                for test, variables in statement.get("Condition", {}).items()
            },
        }
        for statement in statements
    ]


def _declared_policy(document: Mapping[str, Any], values: Mapping[str, str]) -> list[Any]:
    """An aws_iam_policy_document's statements, in the JSON Terraform renders them to."""
    statements = []
    for statement in document.get("statement", []):
        principals = statement.get("principals", [])
        if [(p.get("type"), p.get("identifiers")) for p in principals] == [("*", ["*"])]:
            principal: Any = "*"
        else:
            principal = {p.get("type"): p.get("identifiers") for p in principals} or None
        conditions: dict[str, dict[str, Any]] = {}
        for condition in statement.get("condition", []):
            conditions.setdefault(condition.get("test"), {})[condition.get("variable")] = (
                condition.get("values")
            )
        statements.append(
            {
                "Sid": statement.get("sid"),
                "Effect": statement.get("effect", "Allow"),
                "Principal": principal,
                "Action": statement.get("actions"),
                "Resource": [interpolate(r, values) for r in statement.get("resources", [])],
                **({"Condition": conditions} if conditions else {}),
            }
        )
    return _normalised_policy(statements)


def _lifecycle_rule(rule: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """One aws_s3_bucket_lifecycle_configuration rule block as S3's API names it."""

    def value(item: Any) -> Any:
        return interpolate(item, values) if isinstance(item, str) else item

    def single(name: str) -> dict[str, Any]:
        (found,) = rule.get(name) or [{}]
        return {k: value(v) for k, v in found.items()}

    api: dict[str, Any] = {"ID": value(rule.get("id")), "Status": value(rule.get("status"))}
    if "filter" in rule:
        prefix = single("filter").get("prefix")
        api["Filter"] = {} if prefix is None else {"Prefix": prefix}
    if "expiration" in rule:
        api["Expiration"] = {"Days": single("expiration").get("days")}
    if "noncurrent_version_expiration" in rule:
        days = single("noncurrent_version_expiration").get("noncurrent_days")
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "abort_incomplete_multipart_upload" in rule:
        days = single("abort_incomplete_multipart_upload").get("days_after_initiation")
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return api


def _declared_settings(resources: Mapping[str, Any]) -> dict[str, Any]:
    """Public access block, default encryption and versioning, as S3's API names them."""
    calls: dict[str, Any] = {}
    block = resources.get("aws_s3_bucket_public_access_block.this")
    if block is not None:
        calls["put_public_access_block"] = {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": block.get("block_public_acls"),
                "IgnorePublicAcls": block.get("ignore_public_acls"),
                "BlockPublicPolicy": block.get("block_public_policy"),
                "RestrictPublicBuckets": block.get("restrict_public_buckets"),
            }
        }
    encryption = resources.get("aws_s3_bucket_server_side_encryption_configuration.this")
    if encryption is not None:
        defaults = [
            {"SSEAlgorithm": default.get("sse_algorithm")}
            for rule in encryption.get("rule", [])
            for default in rule.get("apply_server_side_encryption_by_default", [])
        ]
        calls["put_bucket_encryption"] = {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": d} for d in defaults]
            }
        }
    versioning = resources.get("aws_s3_bucket_versioning.this")
    if versioning is not None:
        (configuration,) = versioning.get("versioning_configuration") or [{}]
        calls["put_bucket_versioning"] = {
            "VersioningConfiguration": {"Status": configuration.get("status")}
        }
    return calls


def _declared_lifecycle(lifecycle: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """The lifecycle rules provisioning also sets (TERRAFORM_ONLY_LIFECYCLE_RULES left out)."""
    rules = [_lifecycle_rule(rule, {}) for rule in lifecycle.get("rule", [])]
    for dynamic in lifecycle.get("dynamic", []):
        generated = dynamic.get("rule", {})
        if generated.get("for_each") != "${var.expire_prefixes}":
            rules.append({"ID": f"<unevaluated for_each: {generated.get('for_each')}>"})
            continue
        for prefix in entry.get("expire_prefixes", []):
            values = {"rule.value": prefix, 'trim(rule.value, "/")': prefix.strip("/")}
            rules += [_lifecycle_rule(content, values) for content in generated["content"]]
    rules = [rule for rule in rules if rule not in TERRAFORM_ONLY_LIFECYCLE_RULES]
    if not rules:
        return {}
    ordered = sorted(rules, key=lambda rule: str(rule["ID"]))
    return {"put_bucket_lifecycle_configuration": {"LifecycleConfiguration": {"Rules": ordered}}}


def declared_bucket(tree: Path, key: str) -> dict[str, Any]:
    """What the bucket module asks S3 for, for one entry of local.buckets, in the shape of
    ``provisioned_bucket`` (the module call is pinned by ``bucket_problems``)."""
    entry = module_locals(tree / ORDERS).get("buckets", {}).get(key, {})
    resources = blocks(tree / BUCKET_MODULE, "resource")
    name = interpolate(
        str(resources.get("aws_s3_bucket.this", {}).get("bucket")),
        {"var.name": NAMING.name(key), "data.aws_caller_identity.current.account_id": ACCOUNT},
    )
    calls: dict[str, Any] = {"name": name, "create_bucket": {}}
    if REGION != "us-east-1":
        calls["create_bucket"]["CreateBucketConfiguration"] = {"LocationConstraint": REGION}
    calls.update(_declared_settings(resources))
    policy = resources.get("aws_s3_bucket_policy.this")
    document = blocks(tree / BUCKET_MODULE, "data").get("aws_iam_policy_document.tls_only")
    if policy is not None:
        evaluated: Any = f"<unevaluated: {policy.get('policy')}>"
        if policy.get("policy") == "${data.aws_iam_policy_document.tls_only.json}" and document:
            evaluated = _declared_policy(
                document, {"aws_s3_bucket.this.arn": f"arn:aws:s3:::{name}"}
            )
        calls["put_bucket_policy"] = {"Policy": evaluated}
    lifecycle = resources.get("aws_s3_bucket_lifecycle_configuration.this")
    if lifecycle is not None:
        calls.update(_declared_lifecycle(lifecycle, entry))
    notification = resources.get("aws_s3_bucket_notification.this", {})
    count = {"${var.eventbridge ? 1 : 0}": int(bool(entry.get("eventbridge")))}.get(
        str(notification.get("count")), 1
    )
    if count and notification.get("eventbridge") is True:
        calls["put_bucket_notification_configuration"] = {
            "NotificationConfiguration": {"EventBridgeConfiguration": {}}
        }
    return calls


def bucket_problems(tree: Path) -> list[str]:
    """local.buckets and the bucket module against the stack and what provisioning creates."""
    declared = module_locals(tree / ORDERS)
    problems = _differences(
        "local.buckets",
        declared.get("buckets", {}),
        {
            bucket.key: {
                "variable": bucket.variable,
                "eventbridge": bucket.eventbridge,
                "expire_prefixes": list(bucket.expire_prefixes),
            }
            for bucket in BUCKETS
        },
    )
    problems += _differences(
        "module.bucket",
        blocks(tree / ORDERS, "module").get("bucket", {}),
        {
            "source": "../bucket",
            "for_each": "${local.buckets}",
            "name": "${local.name_prefix}-${each.key}",
            "kms_key_arn": "${module.kms.key_arn}",
            "eventbridge": "${each.value.eventbridge}",
            "expire_prefixes": "${each.value.expire_prefixes}",
            "tags": "${var.tags}",
        },
    )
    outputs = blocks(tree / BUCKET_MODULE, "output")
    problems += _differences(
        "bucket module: outputs",
        {name: output.get("value") for name, output in outputs.items()},
        {"name": "${aws_s3_bucket.this.bucket}", "arn": "${aws_s3_bucket.this.arn}"},
    )
    resources = blocks(tree / BUCKET_MODULE, "resource")
    encryption = resources.get("aws_s3_bucket_server_side_encryption_configuration.this", {})
    keys = [
        default.get("kms_master_key_id")
        for rule in encryption.get("rule", [])
        for default in rule.get("apply_server_side_encryption_by_default", [])
    ]
    if keys != ["${var.kms_key_arn}"]:
        problems.append(f"bucket module: objects are not encrypted with the stack's key: {keys}")
    for bucket in BUCKETS:
        problems += _differences(
            f"bucket {bucket.key}",
            declared_bucket(tree, bucket.key),
            provisioned_bucket(bucket.key),
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Functions' access to their bucket


def _declared_bucket_statements(
    tree: Path, function: Mapping[str, Any], outputs: StackOutputs
) -> list[dict[str, Any]]:
    """The function module's statements about var.bucket_access, for one local.functions entry
    (bucket_access as main.tf passes it, pinned by ``function_bucket_problems``)."""
    if "bucket" not in function:
        return []
    access = {
        "statement.value.arn": outputs.resource_arns("bucket", function["bucket"])[0],
    }
    document = blocks(tree / FUNCTION_MODULE, "data").get("aws_iam_policy_document.this", {})
    statements = []
    for dynamic in document.get("dynamic", []):
        generated = dynamic.get("statement", {})
        if generated.get("for_each") != "${var.bucket_access == null ? [] : [var.bucket_access]}":
            continue
        for content in generated.get("content", []):
            actions = content.get("actions")
            if actions == "${statement.value.object_actions}":
                actions = function.get("object_actions", [])
            statements.append(
                {
                    "Action": actions,
                    "Resource": [interpolate(r, access) for r in content.get("resources", [])],
                }
            )
    return statements


def _provisioned_bucket_statements(key: str, outputs: StackOutputs) -> list[dict[str, Any]]:
    function = next(f for f in FUNCTIONS if f.key == key)
    statements = provision._function_statements(function, NAMING.name(key), outputs, ACCOUNT)
    return [
        statement
        for statement in statements
        if all(str(action).startswith("s3:") for action in _listed(statement["Action"]))
    ]


def function_bucket_problems(tree: Path) -> list[str]:
    """Each function's bucket variable and its S3 statements == provisioning's."""
    declared = module_locals(tree / ORDERS)
    call = blocks(tree / ORDERS, "module").get("function", {})
    problems = _differences(
        "module.function",
        {"bucket_access": call.get("bucket_access")},
        {
            "bucket_access": (
                "${try({arn = module.bucket[each.value.bucket].arn, "
                "object_actions = each.value.object_actions}, null)}"
            )
        },
    )
    variable = (
        "try(each.value.bucket, null) != null ? {(local.buckets[each.value.bucket].variable) = "
        "module.bucket[each.value.bucket].name} : {}"
    )
    if variable not in str(call.get("environment_variables")):
        problems.append("module.function: a function's environment does not name its bucket")
    outputs = synthetic_outputs()
    functions = declared.get("functions", {})
    for function in FUNCTIONS:
        if function.key not in functions:
            continue
        entry = functions[function.key]
        if entry.get("bucket") != function.bucket:
            problems.append(
                f"function {function.key}: bucket is {entry.get('bucket')!r}, "
                f"expected {function.bucket!r}"
            )
            continue
        terraform = _declared_bucket_statements(tree, entry, outputs)
        if _normalised(terraform) != _normalised(
            _provisioned_bucket_statements(function.key, outputs)
        ):
            problems.append(
                f"function {function.key}: the role's S3 statements differ from provisioning's"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Topics

# provisioning creates every topic with KmsMasterKeyId alias/aws/sns (devstack/provision.py).
PROVISIONED_TOPIC_KEY = "alias/aws/sns"


def topic_problems(tree: Path) -> list[str]:
    """local.topics, their names and key, and the moved block that keeps the first topic."""
    declared = module_locals(tree / ORDERS)
    problems = _differences(
        "local.topics", {"topics": declared.get("topics")}, {"topics": list(TOPICS)}
    )
    call = blocks(tree / ORDERS, "module").get("messaging", {})
    names = '${{for topic in local.topics : topic => "${local.name_prefix}-${topic}"}}'
    if call.get("topics") != names:
        problems.append(f"module.messaging: topics is {call.get('topics')!r}, expected {names!r}")
    topic = blocks(tree / MESSAGING_MODULE, "resource").get("aws_sns_topic.this", {})
    problems += _differences(
        "messaging module: aws_sns_topic.this",
        {k: topic.get(k) for k in ("for_each", "name", "kms_master_key_id")},
        {
            "for_each": "${var.topics}",
            "name": "${each.value}",
            "kms_master_key_id": "${var.topic_kms_master_key_id}",
        },
    )
    key = blocks(tree / MESSAGING_MODULE, "variable").get("topic_kms_master_key_id", {})
    if key.get("default") != PROVISIONED_TOPIC_KEY:
        problems.append(f"messaging module: topics are not encrypted with {PROVISIONED_TOPIC_KEY}")
    moved = [
        block
        for document in _documents(tree / ORDERS)
        for block in (plain(entry) for entry in document.get("moved", []))
    ]
    kept = {
        "from": "${module.messaging.aws_sns_topic.this}",
        "to": '${module.messaging.aws_sns_topic.this["order-notifications"]}',
    }
    if kept not in moved:
        problems.append(
            "no moved block keeps the order notifications topic at its address "
            '(module.messaging.aws_sns_topic.this -> ...this["order-notifications"])'
        )
    resources = blocks(tree / ORDERS, "resource")
    subscription = resources.get("aws_sns_topic_subscription.this", {}).get("topic_arn")
    if subscription != "${module.messaging.topic_arns[each.key]}":
        problems.append(f"aws_sns_topic_subscription.this: topic_arn is {subscription!r}")
    senders = str(blocks(tree / ORDERS, "module").get("queue", {}).get("senders", ""))
    if "source_arn = module.messaging.topic_arns[topic]" not in senders:
        problems.append("module.queue: an SNS sender is not the topic of its subscription")
    return problems


# ---------------------------------------------------------------------------------------------
# Live aliases

# Where an expression names a function's own (unqualified) ARN: module.function[...].arn, or
# function.arn in a comprehension over module.function.
_UNQUALIFIED_FUNCTION = re.compile(r"module\.function\[[^\]]*\]\.arn\b|\bfunction\.arn\b")


def _pinned(subject: str, declared: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    return _differences(subject, {key: declared.get(key) for key in expected}, expected)


def _module_alias_problems(tree: Path) -> list[str]:
    """Both modules publish a version on every change and name the alias they output live."""
    function = blocks(tree / FUNCTION_MODULE, "resource")
    machine = blocks(tree / STATE_MACHINE_MODULE, "resource")
    problems = _pinned(
        "function module: aws_lambda_function.this",
        function.get("aws_lambda_function.this", {}),
        {"publish": True},
    )
    problems += _pinned(
        "function module: aws_lambda_alias.live",
        function.get("aws_lambda_alias.live", {}),
        {"name": LIVE_ALIAS, "function_name": "${aws_lambda_function.this.function_name}"},
    )
    problems += _pinned(
        "function module: outputs",
        {k: v.get("value") for k, v in blocks(tree / FUNCTION_MODULE, "output").items()},
        {"alias_arn": "${aws_lambda_alias.live.arn}"},
    )
    problems += _pinned(
        "state_machine module: aws_sfn_state_machine.this",
        machine.get("aws_sfn_state_machine.this", {}),
        {"publish": True},
    )
    problems += _pinned(
        "state_machine module: aws_sfn_alias.live",
        machine.get("aws_sfn_alias.live", {}),
        {"name": LIVE_ALIAS},
    )
    problems += _pinned(
        "state_machine module: outputs",
        {k: v.get("value") for k, v in blocks(tree / STATE_MACHINE_MODULE, "output").items()},
        {
            "start_arn": (
                "${var.start_through_alias ? aws_sfn_alias.live.arn : "
                "aws_sfn_state_machine.this.arn}"
            )
        },
    )
    start = blocks(tree / STATE_MACHINE_MODULE, "variable").get("start_through_alias", {})
    if start.get("default") is not True:
        problems.append("state_machine module: start_through_alias does not default to true")
    return problems


def alias_wiring_problems(tree: Path) -> list[str]:
    """Every caller of a function or state machine in modules/orders names its live alias.

    The ASL's function placeholders and a parent's child are checked with the definitions
    (``CallersView``); this pins the rest: the event source mappings, the state machines'
    start ARNs (rule targets read them, ``rule_problems``), the API's stage variable, no
    expression naming a function's unqualified ARN, and a Lambda permission (none yet) naming
    the alias. The canary inputs reach every module.
    """
    problems = _module_alias_problems(tree)
    keys = sorted(machine.key for machine in STATE_MACHINES)
    declared = module_locals(tree / ORDERS)
    problems += _differences(
        "local.state_machine_start_arns",
        declared.get("state_machine_start_arns", {}),
        {key: f"${{module.{key}.start_arn}}" for key in keys},
    )
    switch = blocks(tree / ORDERS, "variable").get("start_state_machines_through_aliases", {})
    if switch.get("default") is not True:
        problems.append("start_state_machines_through_aliases does not default to true")
    resources = blocks(tree / ORDERS, "resource")
    invoke_live = {"function_name": "${module.function[each.key].alias_arn}"}
    for name in ("aws_lambda_event_source_mapping.this", "aws_lambda_event_source_mapping.stream"):
        problems += _pinned(name, resources.get(name, {}), invoke_live)
    modules = blocks(tree / ORDERS, "module")
    problems += _pinned(
        "module.function",
        modules.get("function", {}),
        {
            "canary_weight": "${var.canary_weight}",
            "stable_version": "${lookup(var.stable_versions.functions, each.key, null)}",
        },
    )
    problems += _pinned(
        "module.api",
        modules.get("api", {}),
        {
            "state_machine_arn": "${module.order_processing.arn}",  # what its role may start
            "state_machine_start_arn": "${module.order_processing.start_arn}",
        },
    )
    stage = blocks(tree / "modules" / "api", "resource").get("aws_api_gateway_stage.this", {})
    problems += _pinned(
        "api module: stage variables",
        stage.get("variables", {}),
        {"orderStateMachineArn": "${coalesce(var.state_machine_start_arn, var.state_machine_arn)}"},
    )
    for path in sorted((tree / ORDERS).glob("*.tf")):
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _UNQUALIFIED_FUNCTION.search(line.split("#", 1)[0]):
                problems.append(
                    f"{path.relative_to(tree)}:{line_number}: names a function's unqualified "
                    f"ARN: {line.strip()}"
                )
    for module in sorted((tree / "modules").iterdir()):
        for name, permission in blocks(module, "resource").items():
            if name.startswith("aws_lambda_permission.") and permission.get("qualifier") != (
                LIVE_ALIAS
            ):
                problems.append(f"{module.name}: {name} does not name the {LIVE_ALIAS} alias")
    return problems
