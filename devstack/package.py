"""Zip each function's ``sam build`` output: the packages Terraform and the local stack deploy.

``sam build`` leaves one folder per function under ``.aws-sam/build/<LogicalId>/``. This
zips each into ``.aws-sam/build/<LogicalId>.zip`` with sorted entries and fixed timestamps,
so the same sources always give the same bytes (and Terraform's ``source_code_hash`` only
changes when the code does). There is no second packaging path: everything that deploys a
function reads these zips.
"""

import sys
import zipfile
from pathlib import Path

from devstack.paths import REPO_ROOT
from devstack.stack import FUNCTIONS, Function

BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def logical_id(function: Function) -> str:
    """``validate_order`` -> ``ValidateOrderFunction`` (the SAM template's resource name)."""
    return "".join(part.capitalize() for part in function.key.split("_")) + "Function"


def package_path(function: Function, build_dir: Path = BUILD_DIR) -> Path:
    return build_dir / f"{logical_id(function)}.zip"


def zip_directory(source: Path, target: Path) -> int:
    """Write ``source``'s files into ``target`` reproducibly; return the number of files."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return len(files)


def package_all(build_dir: Path = BUILD_DIR) -> list[Path]:
    written = []
    for function in FUNCTIONS:
        source = build_dir / logical_id(function)
        if not source.is_dir():
            raise FileNotFoundError(f"{source} is missing: run `make build` (sam build) first")
        target = package_path(function, build_dir)
        count = zip_directory(source, target)
        shown = target.relative_to(REPO_ROOT) if target.is_relative_to(REPO_ROOT) else target
        print(f"  {shown}  {count} files, {target.stat().st_size:,} bytes")
        written.append(target)
    return written


def read_package(function: Function, build_dir: Path = BUILD_DIR) -> bytes:
    path = package_path(function, build_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make build` first")
    return path.read_bytes()


if __name__ == "__main__":
    try:
        package_all()
    except FileNotFoundError as error:
        sys.exit(str(error))
