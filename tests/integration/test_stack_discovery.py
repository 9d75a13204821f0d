"""The stack found by name on the emulator is the stack that was deployed.

The pipeline's integration job deploys with Terraform and finds the resources this way
(``local_stack.discover_outputs``); here, on the provisioning module's stack, the names
found must be exactly the ones it created.
"""

import dataclasses

import pytest

from devstack import local_stack
from tests.integration.conftest import PORT, LocalApi

pytestmark = pytest.mark.integration


def test_every_resource_is_found_by_its_name(local_api: LocalApi) -> None:
    found = dataclasses.asdict(local_stack.discover_outputs(PORT))
    deployed = dataclasses.asdict(local_api.outputs)

    assert found == deployed
