"""Terraform and SAM declare every part of devstack/stack.py: nothing is provisioned on the
emulators alone.

The contract tests (test_terraform_stack.py, test_sam_matches_stack.py) compare each part; these
tests make sure no part of the stack is missing from the places they look.
"""

import pytest

from devstack import stack
from devstack.package import logical_id
from devstack.paths import REPO_ROOT
from tests.infra.terraform_contract import module_locals
from tests.infra.terraform_support import TERRAFORM_DIR

pytestmark = pytest.mark.infra


def declared_in_stack() -> dict[str, set[str]]:
    """Every key devstack/stack.py declares, by kind."""
    return {
        "function": {f.key for f in stack.FUNCTIONS},
        "bucket": {b.key for b in stack.BUCKETS},
        "topic": set(stack.TOPICS),
        "rule": {r.key for r in stack.RULES},
        "state_machine": {m.key for m in stack.STATE_MACHINES},
    }


def test_terraform_declares_every_part_of_the_stack() -> None:
    declared = module_locals(TERRAFORM_DIR / "modules" / "orders")
    in_terraform = {
        "function": set(declared["functions"]),
        "bucket": set(declared.get("buckets", {})),
        "topic": set(declared.get("topics", [])),
        "rule": set(declared["rules"]),
        "state_machine": set(declared["state_machines"]),
    }
    assert in_terraform == declared_in_stack()


def test_sam_packages_every_function_of_the_stack() -> None:
    template = (REPO_ROOT / "sam" / "template.yaml").read_text(encoding="utf-8")
    for function in stack.FUNCTIONS:
        assert f"\n  {logical_id(function)}:\n" in template, function.key
