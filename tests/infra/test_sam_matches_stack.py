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

import inventory_extract.logic
import inventory_load.logic
from devstack import asl, ministack
from devstack.package import logical_id
from devstack.paths import REPO_ROOT
from devstack.stack import (
    FUNCTIONS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    METRICS_NAMESPACE,
    STATE_MACHINES,
    Function,
    Naming,
    StateMachine,
    bucket_named,
    function_environment,
)
from shared.errors import ValidationError
from shipping_label.logic import create_label

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


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


def _import_task(name: str) -> dict[str, Any]:
    machine = next(m for m in STATE_MACHINES if m.key == "inventory_import")
    return asl.task_states(asl.load(Path(machine.definition_file)))[name]


# The local stack's bucket: `make invoke` runs a function against MiniStack (sam local invoke, or
# in process while it is up), whose resources live in its account.
LOCAL_IMPORT_BUCKET = Naming("local").bucket_name(bucket_named("imports").key, ministack.ACCOUNT_ID)


def test_inventory_extract_events_are_what_the_import_workflow_sends() -> None:
    """Extract gets the bucket and the S3 event's detail.object as AWS sends it (etag and
    version-id, with size and sequencer)."""
    uploaded = _event("stepfunctions_inventory_extract_uploaded")
    outside = _event("stepfunctions_inventory_extract_outside_incoming")
    sent = {name.removesuffix(".$") for name in _import_task("Extract")["Parameters"]["Payload"]}
    assert set(uploaded) == set(outside) == sent == {"bucket", "object"}
    assert set(uploaded["object"]) == {"key", "size", "etag", "version-id", "sequencer"}
    assert uploaded["bucket"] == outside["bucket"] == LOCAL_IMPORT_BUCKET
    request = inventory_extract.logic.parse_request(uploaded, LOCAL_IMPORT_BUCKET)
    assert (request.key, request.etag) == ("incoming/stock_receipt.csv", uploaded["object"]["etag"])
    assert request.version == uploaded["object"]["version-id"]
    with pytest.raises(ValidationError) as raised:
        inventory_extract.logic.parse_request(outside, LOCAL_IMPORT_BUCKET)
    assert raised.value.field == "object.key"


def test_inventory_load_events_are_the_chunks_the_map_sends() -> None:
    """Load gets one Map item: the bucket, the import id, and a chunk's key and index, here
    those of the chunk the Extract event's upload gives."""
    first = _event("stepfunctions_inventory_load_first_chunk")
    mismatch = _event("stepfunctions_inventory_load_key_mismatch")
    machine = next(m for m in STATE_MACHINES if m.key == "inventory_import")
    selector = asl.load(Path(machine.definition_file))["States"]["Load"]["ItemSelector"]
    sent = {name.removesuffix(".$") for name in selector}
    assert set(first) == set(mismatch) == sent == {"bucket", "importId", "key", "index"}
    upload = inventory_extract.logic.parse_request(
        _event("stepfunctions_inventory_extract_uploaded"), LOCAL_IMPORT_BUCKET
    )
    assert first["importId"] == upload.import_id
    assert first["key"] == inventory_extract.logic.chunk_key(upload.import_id, first["index"])
    request = inventory_load.logic.parse_request(first, LOCAL_IMPORT_BUCKET)
    assert (request.import_id, request.key, request.index) == (
        first["importId"],
        first["key"],
        0,
    )
    with pytest.raises(ValidationError) as raised:
        inventory_load.logic.parse_request(mismatch, LOCAL_IMPORT_BUCKET)
    assert raised.value.field == "key"


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
