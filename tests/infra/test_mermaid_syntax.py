"""Every diagram make diagram draws parses with Mermaid itself (npm `mermaid`, the library GitHub
renders with, under jsdom; `make node_modules`), as do the constructs the real files do not use
yet (names Mermaid reads as keywords, label characters it treats specially). The check is also
shown to fail on a broken diagram."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack import asl, diagram
from devstack.paths import REPO_ROOT, STATEMACHINES_DIR

pytestmark = pytest.mark.infra

CHECKER = REPO_ROOT / "devstack" / "mermaid_check.mjs"
ASL_FILES = sorted(STATEMACHINES_DIR.glob("*.asl.json"))

EDGE_CASES: dict[str, Any] = {
    "StartAt": "State",
    "States": {
        "State": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.a", "StringEquals": 'x;y::z"', "Next": "note"},
                {"Not": {"Or": [{"Variable": "$.b", "IsNull": True}]}, "Next": "Default"},
            ],
            "Default": "Class 1 -> {done}",
        },
        "note": {"Type": "Wait", "Seconds": 5, "Next": "Default"},
        "Default": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Style",
                "States": {
                    "Style": {
                        "Type": "Parallel",
                        "Branches": [
                            {"StartAt": "end", "States": {"end": {"Type": "Succeed"}}},
                            {"StartAt": "click", "States": {"click": {"Type": "Fail"}}},
                        ],
                        "Retry": [{"ErrorEquals": ["States.ALL"]}],
                        "End": True,
                    }
                },
            },
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Class 1 -> {done}"}],
            "Next": "Class 1 -> {done}",
        },
        "Class 1 -> {done}": {"Type": "Succeed"},
    },
}


def parse(paths: list[Path]) -> list[dict[str, str]]:
    """The files Mermaid refuses, with its message."""
    if not (REPO_ROOT / "node_modules" / "mermaid").exists():
        pytest.fail("mermaid is not installed: run `make node_modules` (make test does)")
    answer = subprocess.run(
        ["node", str(CHECKER), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    failures: list[dict[str, str]] = json.loads(answer.stdout)
    return failures


def test_every_diagram_parses(tmp_path: Path) -> None:
    paths = []
    for source in ASL_FILES:
        path = tmp_path / source.name.replace(".asl.json", ".mmd")
        path.write_text(diagram.mermaid(asl.load(source)), encoding="utf-8")
        paths.append(path)
    edge_cases = tmp_path / "edge_cases.mmd"
    edge_cases.write_text(diagram.mermaid(EDGE_CASES), encoding="utf-8")

    assert parse([*paths, edge_cases]) == []


def test_a_broken_diagram_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mmd"
    broken.write_text("stateDiagram-v2\n    note --> Next\n", encoding="utf-8")

    (failure,) = parse([broken])

    assert failure["file"] == str(broken)
