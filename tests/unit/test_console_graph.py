"""The console's graph: how a state's visits become an outcome, and the classes on the Mermaid
source (devstack/console/graph.py). The browser tests check Mermaid draws them."""

from datetime import UTC, datetime, timedelta

import pytest

from devstack.asl import load
from devstack.asl_history import StateVisit
from devstack.console.graph import Outcome, outcome, outcomes, path_graph
from devstack.diagram import ids_by_name, mermaid
from devstack.paths import STATEMACHINES_DIR

pytestmark = pytest.mark.unit

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def visit(
    name: str,
    *failures: str,
    state_type: str = "Task",
    exited: bool = True,
    last_attempt_failed: bool = False,
) -> StateVisit:
    return StateVisit(
        name,
        state_type,
        T0,
        T0 + timedelta(seconds=1) if exited else None,
        list(failures),
        attempts=len(failures) + 1,
        last_attempt_failed=last_attempt_failed,
    )


@pytest.mark.parametrize(
    ("seen", "running", "expected"),
    [
        (visit("A"), False, Outcome.SUCCEEDED),
        (visit("A", "States.Timeout"), False, Outcome.RETRIED),
        (visit("A", "X", "X", last_attempt_failed=True), False, Outcome.CAUGHT),
        (visit("A", exited=False), True, Outcome.WAITING),
        (visit("A", exited=False), False, Outcome.FAILED),
        (visit("Broken", state_type="Fail"), False, Outcome.FAILED),
    ],
)
def test_a_visit_has_one_outcome(seen: StateVisit, running: bool, expected: Outcome) -> None:
    assert outcome(seen, running) is expected


def test_a_state_visited_several_times_shows_its_worst_outcome() -> None:
    seen = [visit("Item"), visit("Item", "X", last_attempt_failed=True), visit("Item", "Y")]
    assert outcomes(seen, execution_running=False) == {"Item": Outcome.CAUGHT}


def test_the_path_is_classes_on_the_make_diagram_source() -> None:
    definition = load(STATEMACHINES_DIR / "order_processing.asl.json")
    ids = ids_by_name(definition)
    taken = {
        "ValidateOrder": Outcome.SUCCEEDED,
        "ReserveInventory": Outcome.SUCCEEDED,  # a Map: its box is coloured too
        "ReserveItem": Outcome.RETRIED,  # inside the Map
        "ChargeStripe": Outcome.CAUGHT,
    }

    source = path_graph(definition, taken)

    assert source.startswith(mermaid(definition).rstrip("\n"))
    added = source.removeprefix(mermaid(definition)).splitlines()
    assert {line.split()[1] for line in added if line.strip().startswith("classDef")} == {
        o.value for o in Outcome
    }
    classes = {line.split()[2]: line.split()[1] for line in added if line.startswith("    class ")}
    assert classes == {
        "succeeded": f"{ids['ReserveInventory']},{ids['ValidateOrder']}",
        "retried": ids["ReserveItem"],
        "caught": ids["ChargeStripe"],
    }


def test_an_execution_that_entered_nothing_adds_only_the_class_definitions() -> None:
    definition = load(STATEMACHINES_DIR / "pick_pack_label.asl.json")
    added = path_graph(definition, {}).removeprefix(mermaid(definition)).splitlines()
    assert added and all(line.strip().startswith("classDef") for line in added)
