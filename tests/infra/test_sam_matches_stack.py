"""sam/template.yaml, devstack/stack.py and the ASL agree on every function and name.

SAM builds the packages, Terraform and the provisioning module deploy them; if SAM's handler,
runtime, architecture, memory, timeout or environment variable names drifted from what the
deployers use, `sam local invoke` would debug a function that is not the deployed one.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack import asl
from devstack.package import logical_id
from devstack.paths import REPO_ROOT
from devstack.stack import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    METRICS_NAMESPACE,
    STATE_MACHINES,
    Function,
    Naming,
    StateMachine,
    function_environment,
)
from shared.errors import ValidationError
from shipping_label.logic import create_label
from tests.infra.stack_scope import FUNCTIONS

pytestmark = pytest.mark.infra

TEMPLATE = REPO_ROOT / "sam" / "template.yaml"
EVENTS = REPO_ROOT / "sam" / "events"
ACCOUNT = "123456789012"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !Sub and friends as plain {"Ref": ...} / {"Fn::Sub": ...} values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node)}
    return {name: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)
    return loaded


def _resolve(value: Any, environment: str) -> Any:
    if isinstance(value, dict) and "Fn::Sub" in value:
        return (
            value["Fn::Sub"]
            .replace("${Environment}", environment)
            .replace("${AWS::AccountId}", ACCOUNT)
        )
    return value


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.key)
def test_each_function_is_packaged_as_the_deployers_define_it(
    template: dict[str, Any], function: Function
) -> None:
    globals_ = template["Globals"]["Function"]
    properties = template["Resources"][logical_id(function)]["Properties"]
    effective = {**globals_, **properties}

    assert effective["Handler"] == function.handler
    assert effective["Runtime"] == LAMBDA_RUNTIME
    assert effective["Architectures"] == [LAMBDA_ARCHITECTURE]
    assert effective["MemorySize"] == function.memory_mb
    assert effective["Timeout"] == function.timeout_s
    assert effective["CodeUri"] == "../lambdas/"
    assert _resolve(effective["FunctionName"], "local") == Naming("local").name(function.key)
    variables = {
        **globals_["Environment"]["Variables"],
        **properties["Environment"]["Variables"],
    }
    expected = function_environment(function, Naming("local"), ACCOUNT)
    assert {k: _resolve(v, "local") for k, v in variables.items()} == expected


def test_template_declares_no_function_the_stack_does_not(template: dict[str, Any]) -> None:
    functions = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert functions == {logical_id(f) for f in FUNCTIONS}
    assert (
        template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
        == METRICS_NAMESPACE
    )


def test_shipping_label_events_are_the_requests_pick_pack_label_sends() -> None:
    labelled = json.loads((EVENTS / "stepfunctions_shipping_label_labelled.json").read_text())
    no_items = json.loads((EVENTS / "stepfunctions_shipping_label_no_items.json").read_text())
    machine = next(m for m in STATE_MACHINES if m.key == "pick_pack_label")
    label = asl.task_states(asl.load(Path(machine.definition_file)))["Label"]
    sent = {name.removesuffix(".$") for name in label["Parameters"]["Payload"]}
    assert set(labelled) == set(no_items) == sent == {"orderId", "items"}
    assert create_label(labelled)["orderId"] == labelled["orderId"]
    with pytest.raises(ValidationError) as raised:
        create_label(no_items)
    assert raised.value.field == "items"


@pytest.mark.parametrize("machine", STATE_MACHINES, ids=lambda m: m.key)
def test_every_placeholder_is_supplied_by_the_provisioning_module_and_nothing_else(
    machine: StateMachine,
) -> None:
    text = Path(machine.definition_file).read_text()

    assert asl.placeholders(text) == set(machine.substitutions)


def test_sam_validate_lint_passes() -> None:
    sam = REPO_ROOT / ".tools" / "sam" / "bin" / "sam"
    if not sam.exists():
        sam_on_path = shutil.which("sam")
        if sam_on_path is None:
            pytest.fail("SAM CLI missing: run `make build` (it installs .tools/sam) first")
        sam = Path(sam_on_path)
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--template", str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
        env={"SAM_CLI_TELEMETRY": "0", "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-west-2"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
