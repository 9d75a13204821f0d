"""What the contract tests leave out (tests/infra/stack_scope.py) is only what is not deployed."""

import pytest

from devstack.package import logical_id
from devstack.paths import REPO_ROOT
from devstack.stack import function_named
from tests.infra.stack_scope import NOT_YET_DEPLOYED, declared_in_stack
from tests.infra.terraform_contract import module_locals
from tests.infra.terraform_support import TERRAFORM_DIR

pytestmark = pytest.mark.infra


def test_what_is_left_out_is_declared_by_the_stack() -> None:
    declared = declared_in_stack()
    for kind, keys in NOT_YET_DEPLOYED.items():
        assert keys <= declared[kind], f"{kind}: {sorted(keys - declared[kind])} left the stack"


def test_what_is_left_out_is_not_in_terraform_yet() -> None:
    """When Terraform declares one of them, drop it from NOT_YET_DEPLOYED: the contract then
    compares it like the rest."""
    declared = module_locals(TERRAFORM_DIR / "modules" / "orders")
    in_terraform = {
        "function": set(declared["functions"]),
        "bucket": set(declared.get("buckets", {})),
        "topic": {declared.get("topic"), *declared.get("topics", {})},
        "rule": set(declared["rules"]),
        "state_machine": set(declared["state_machines"]),
    }
    for kind, keys in NOT_YET_DEPLOYED.items():
        assert not keys & in_terraform[kind], f"{kind}: {sorted(keys & in_terraform[kind])}"


def test_functions_left_out_are_not_in_sam_yet() -> None:
    template = (REPO_ROOT / "sam" / "template.yaml").read_text(encoding="utf-8")
    for key in NOT_YET_DEPLOYED["function"]:
        assert f"{logical_id(function_named(key))}:" not in template, key
