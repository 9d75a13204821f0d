"""Rendering ASL files the way Terraform's templatefile and SAM's DefinitionSubstitutions do.

ASL files hold ``${PascalCase}`` placeholders for ARNs and names only. Rendering is strict:
a placeholder without a value, or a value without a placeholder, is an error, so the three
renderers (this module, Terraform, SAM) cannot silently drift apart.
"""

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
PASCAL_CASE = re.compile(r"[A-Z][A-Za-z0-9]*")


class RenderError(ValueError):
    pass


def placeholders(text: str) -> set[str]:
    """Every ``${...}`` name in ``text``; a name that is not PascalCase is an error."""
    found = set(PLACEHOLDER.findall(text))
    malformed = sorted(name for name in found if not PASCAL_CASE.fullmatch(name))
    if malformed:
        raise RenderError(f"placeholders must be ${{PascalCase}}: {malformed}")
    return found


def render(template: str, substitutions: Mapping[str, str]) -> str:
    wanted = placeholders(template)
    missing = wanted - substitutions.keys()
    unused = substitutions.keys() - wanted
    if missing or unused:
        raise RenderError(
            f"placeholders without values: {sorted(missing)}; values without placeholders: "
            f"{sorted(unused)}"
        )
    return PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], template)


def render_file(path: Path, substitutions: Mapping[str, str]) -> str:
    rendered = render(path.read_text(encoding="utf-8"), substitutions)
    json.loads(rendered)  # a substitution must never break the JSON
    return rendered


def load(path: Path) -> dict[str, Any]:
    """The ASL document with placeholders left in (they sit inside JSON strings)."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def task_states(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Task state, at any depth (Map item processors, Parallel branches), by name."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in document.get("States", {}).items():
        if state.get("Type") == "Task":
            found[name] = state
        for child in state.get("Branches", []):
            found.update(task_states(child))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                found.update(task_states(state[key]))
    return found


_SERVICE_ACTION = {"lambda:invoke": "lambda:InvokeFunction"}
_TARGET_PARAMETER = {
    "lambda": "FunctionName",
    "dynamodb": "TableName",
    "sns": "TopicArn",
    "sqs": "QueueUrl",
    "states": "StateMachineArn",
}


def _iam_action(integration: str) -> str:
    """``dynamodb:putItem`` -> ``dynamodb:PutItem``; ``lambda:invoke`` -> its IAM action."""
    integration = integration.split(".", maxsplit=1)[0]  # drop .sync / .sync:2 / .waitForTaskToken
    if integration in _SERVICE_ACTION:
        return _SERVICE_ACTION[integration]
    service, _, operation = integration.partition(":")
    return f"{service}:{operation[0].upper()}{operation[1:]}"


_RUN_TO_COMPLETION = (".sync", ".sync:2")
# What Step Functions itself calls to follow a child execution it started with .sync.
_FOLLOW_CHILD_ACTIONS = ("states:DescribeExecution", "states:StopExecution")


def _integration(name: str, state: Mapping[str, Any]) -> str:
    resource = str(state["Resource"])
    prefix = "arn:aws:states:::"
    if not resource.startswith(prefix):
        raise ValueError(f"{name}: only optimised integrations are used here, not {resource}")
    return resource[len(prefix) :]


def runs_child_to_completion(document: Mapping[str, Any]) -> bool:
    """Whether a Task starts a child execution and waits for it (``.sync`` / ``.sync:2``).

    Such a state machine also needs the managed EventBridge rule Step Functions uses to
    learn that the child finished (terraform/policies/sync_execution_events.json).
    """
    return any(
        _integration(name, state).endswith(_RUN_TO_COMPLETION)
        for name, state in task_states(document).items()
    )


def service_calls(document: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, target) for each service integration the ASL performs.

    The target is the value of the parameter naming the resource, usually a ``${Placeholder}``.
    """
    calls: set[tuple[str, str]] = set()
    for name, state in task_states(document).items():
        integration = _integration(name, state)
        service = integration.split(":")[0]
        parameters = state.get("Parameters", {})
        if service == "events":
            targets = {entry["EventBusName"] for entry in parameters["Entries"]}
        else:
            targets = {parameters[_TARGET_PARAMETER[service]]}
        calls.update((_iam_action(integration), target) for target in targets)
        if integration.endswith(_RUN_TO_COMPLETION):
            calls.update((action, target) for action in _FOLLOW_CHILD_ACTIONS for target in targets)
    return calls
