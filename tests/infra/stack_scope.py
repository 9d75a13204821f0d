"""The part of devstack/stack.py that Terraform and SAM declare, and the part they do not yet.

The inventory-import workflow is declared in devstack/stack.py (and provisioned on the
emulators) ahead of its Terraform and SAM resources. Its parts are listed in ``NOT_YET_DEPLOYED``
and the contract tests compare everything else. ``test_stack_scope.py`` fails as soon as a listed
part appears in terraform/ or sam/ (or leaves devstack/stack.py), so each entry goes when its
resources arrive, and nothing else can hide here.
"""

from collections.abc import Mapping

from devstack import stack

NOT_YET_DEPLOYED: Mapping[str, frozenset[str]] = {
    "function": frozenset({"inventory_extract", "inventory_load"}),
    "bucket": frozenset({"imports"}),
    "topic": frozenset({"inventory-imports"}),
    "rule": frozenset({"import-inventory-files"}),
    "state_machine": frozenset({"inventory_import"}),
}

FUNCTIONS = tuple(f for f in stack.FUNCTIONS if f.key not in NOT_YET_DEPLOYED["function"])
TOPICS = tuple(t for t in stack.TOPICS if t not in NOT_YET_DEPLOYED["topic"])
RULES = tuple(r for r in stack.RULES if r.key not in NOT_YET_DEPLOYED["rule"])
STATE_MACHINES = tuple(
    m for m in stack.STATE_MACHINES if m.key not in NOT_YET_DEPLOYED["state_machine"]
)
BUCKETS = tuple(b for b in stack.BUCKETS if b.key not in NOT_YET_DEPLOYED["bucket"])


def declared_in_stack() -> dict[str, set[str]]:
    """Every key devstack/stack.py declares, by the kinds ``NOT_YET_DEPLOYED`` uses."""
    return {
        "function": {f.key for f in stack.FUNCTIONS},
        "bucket": {b.key for b in stack.BUCKETS},
        "topic": set(stack.TOPICS),
        "rule": {r.key for r in stack.RULES},
        "state_machine": {m.key for m in stack.STATE_MACHINES},
    }
