"""Deployment zips from the sam build output: reproducible, and named after SAM's resources."""

import zipfile
from pathlib import Path

import pytest

from devstack.package import logical_id, package_all, package_path, read_package
from devstack.stack import FUNCTIONS, function_named

pytestmark = pytest.mark.unit


def test_logical_ids_follow_the_sam_template_names() -> None:
    assert logical_id(function_named("validate_order")) == "ValidateOrderFunction"


def _fake_build(root: Path) -> None:
    for function in FUNCTIONS:
        folder = root / logical_id(function)
        (folder / "shared").mkdir(parents=True)
        (folder / "shared" / "errors.py").write_text("class ValidationError(Exception): ...\n")
        (folder / "__pycache__").mkdir()
        (folder / "__pycache__" / "junk.pyc").write_bytes(b"\0")


def test_packages_are_byte_identical_across_builds_and_leave_out_caches(tmp_path: Path) -> None:
    _fake_build(tmp_path)
    package_all(tmp_path)
    first = {f.key: read_package(f, tmp_path) for f in FUNCTIONS}
    (tmp_path / "ValidateOrderFunction" / "shared" / "errors.py").touch()  # new mtime only

    package_all(tmp_path)

    assert {f.key: read_package(f, tmp_path) for f in FUNCTIONS} == first
    names = zipfile.ZipFile(package_path(FUNCTIONS[0], tmp_path)).namelist()
    assert names == ["shared/errors.py"]


def test_missing_build_output_says_to_run_make_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make build"):
        package_all(tmp_path)
