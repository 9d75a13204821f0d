"""An execution's path on its workflow's graph: the ``make diagram`` Mermaid source of the ASL
file, with each state the execution entered coloured by how it went."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from devstack.asl_history import StateVisit
from devstack.diagram import ids_by_name, mermaid


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    RETRIED = "retried"  # failed at least once, then succeeded
    CAUGHT = "caught"  # failed after its retries; a Catch took the execution on
    FAILED = "failed"  # failed, and the execution (or its branch) with it
    WAITING = "waiting"  # entered and not left: running, or waiting for a task token


# Worst first: a state visited several times (Map iterations) shows its worst outcome.
_SEVERITY = (Outcome.FAILED, Outcome.CAUGHT, Outcome.WAITING, Outcome.RETRIED, Outcome.SUCCEEDED)
# fill, stroke, text colour of each outcome: on the graph, and for the page's legend
COLOURS = {
    Outcome.SUCCEEDED: ("#d7f5dd", "#1a7f37", "#0b3d1a"),
    Outcome.RETRIED: ("#fff1c2", "#9a6700", "#3d2a00"),
    Outcome.CAUGHT: ("#ffe0c2", "#bc4c00", "#3d1a00"),
    Outcome.FAILED: ("#ffd7d5", "#cf222e", "#4a0a0e"),
    Outcome.WAITING: ("#ddf4ff", "#0969da", "#0a2a4a"),
}
STYLES = {kind: f"fill:{f},stroke:{s},color:{c}" for kind, (f, s, c) in COLOURS.items()}


def outcome(visit: StateVisit, execution_running: bool) -> Outcome:
    if visit.state_type == "Fail":
        return Outcome.FAILED
    if visit.exited is None:
        return Outcome.WAITING if execution_running else Outcome.FAILED
    if visit.last_attempt_failed:
        return Outcome.CAUGHT
    return Outcome.RETRIED if visit.failures else Outcome.SUCCEEDED


def outcomes(visits: Iterable[StateVisit], execution_running: bool) -> dict[str, Outcome]:
    """Each state entered, by name, with its worst outcome over its visits."""
    found: dict[str, Outcome] = {}
    for visit in visits:
        this = outcome(visit, execution_running)
        before = found.get(visit.name)
        if before is None or _SEVERITY.index(this) < _SEVERITY.index(before):
            found[visit.name] = this
    return found


def path_graph(definition: Mapping[str, Any], taken: Mapping[str, Outcome]) -> str:
    """The workflow's Mermaid source with a class per outcome on the states ``taken``.

    A Map or Parallel state is coloured as a whole (its box), and each state inside it as its
    history records it: AWS and moto record every inner state; MiniStack's history leaves them
    out, so against the local stack only the Map or Parallel box shows the path went through.
    """
    ids = ids_by_name(definition)
    lines = [mermaid(definition).rstrip("\n")]
    for kind, style in STYLES.items():
        lines.append(f"    classDef {kind.value} {style}")
    for kind in Outcome:
        states = sorted(ids[name] for name, got in taken.items() if got is kind and name in ids)
        if states:
            lines.append(f"    class {','.join(states)} {kind.value}")
    return "\n".join(lines) + "\n"
