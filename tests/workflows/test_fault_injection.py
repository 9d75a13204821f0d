"""devstack.fault_injection on its own: what an injected fault looks like to the workflow.

The fault matrix (test_fault_matrix.py) relies on these: an injected failure is recorded as
the integration records its own, and ``times`` counts only the failures the injector caused.
"""

from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack
from devstack.fault_injection import TIMEOUT, Fault, FaultInjector

pytestmark = pytest.mark.workflow


def _failures(history: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    found = []
    for event in history:
        details = event.get("taskFailedEventDetails") or event.get("taskTimedOutEventDetails")
        if details:
            found.append((event["type"], details["error"], details["resourceType"]))
    return found


def test_an_injected_fault_is_recorded_as_the_integration_records_its_own(
    stack: EmbeddedStack, faults: FaultInjector, make_order: Any
) -> None:
    faults.fail("ReserveItem", Fault("DynamoDB.ProvisionedThroughputExceededException"))
    faults.fail("ChargeStripe", Fault(TIMEOUT, after_call=True))

    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert run.output is not None and run.output["statusCode"] == 200
    assert _failures(run.history) == [
        ("TaskFailed", "DynamoDB.ProvisionedThroughputExceededException", "dynamodb"),
        ("TaskTimedOut", TIMEOUT, "lambda"),
    ]
    visits = {v.name: v.failures for v in run.visits if v.failures}
    assert visits == {
        "ReserveItem": ["DynamoDB.ProvisionedThroughputExceededException"],
        "ChargeStripe": [TIMEOUT],
    }
    assert [a.fault is not None for a in faults.attempts("ChargeStripe")] == [True, False]
    assert run.lambda_invocations == 3, "the timed-out charge ran: its retry ran it again"


def test_a_fault_meant_for_after_the_call_is_kept_when_the_call_fails_on_its_own(
    stack: EmbeddedStack, faults: FaultInjector, make_order: Any, order_id: str
) -> None:
    # An order row that already exists: SaveOrder's condition fails before any answer is lost.
    stack.aws.client("dynamodb").put_item(
        TableName=stack.outputs.tables["orders"],
        Item={"orderId": {"S": order_id}, "status": {"S": "IMPORTED"}},
    )
    faults.fail("SaveOrder", Fault(TIMEOUT, after_call=True))

    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert run.output is not None and run.output["statusCode"] == 500
    assert [v.failures for v in run.visits if v.name == "SaveOrder"] == [
        ["DynamoDB.ConditionalCheckFailedException"]
    ]
    assert len(faults.attempts("SaveOrder")) == 1
    assert faults.failures("SaveOrder") == 0, "the fault did not fire, so it is not counted"
