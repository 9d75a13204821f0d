"""Every ASL file passes asl-validator (npm, `make node_modules`): the States Language's own
rules (reachable states, a Next that exists, one terminal, field types, JSONPath syntax).
The check is also shown to fail on a definition with the faults it exists to catch."""

import json
import subprocess
from pathlib import Path

import pytest

from devstack.paths import REPO_ROOT

pytestmark = pytest.mark.infra

VALIDATOR = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
ASL_FILES = sorted((REPO_ROOT / "statemachines").glob("*.asl.json"))


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.exists():
        pytest.fail("asl-validator is not installed: run `make node_modules` (make test does)")
    return subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_there_are_asl_files() -> None:
    assert len(ASL_FILES) >= 4


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda path: path.name)
def test_asl_file_is_valid(path: Path) -> None:
    answer = validate(path)

    assert answer.returncode == 0, answer.stdout + answer.stderr


@pytest.mark.parametrize(
    "fault",
    [
        {"Type": "Pass", "Next": "NoSuchState"},
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Next": "Done",
            "TimeoutSeconds": "ten",
        },
        {"Type": "Choice", "Choices": []},
    ],
    ids=["next-to-a-missing-state", "timeout-not-a-number", "choice-without-choices"],
)
def test_a_broken_definition_is_refused(tmp_path: Path, fault: dict[str, object]) -> None:
    broken = tmp_path / "broken.asl.json"
    broken.write_text(
        json.dumps({"StartAt": "Broken", "States": {"Broken": fault, "Done": {"Type": "Succeed"}}})
    )

    assert validate(broken).returncode != 0
