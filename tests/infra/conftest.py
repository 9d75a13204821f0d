"""Fixtures shared by the infra tests."""

import shutil
from pathlib import Path

import pytest

from tests.infra.terraform_support import TERRAFORM_DIR


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of terraform/ to break (module sources are relative, so they still resolve)."""
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return copy


def edit_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` (a mutation test's careless edit)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
