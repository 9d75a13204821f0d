"""The one local layer the MiniStack target deploys around the unchanged function package.

Why a local layer at all: in AWS the functions take Powertools from its public layer, which
MiniStack cannot fetch, so the local target builds the same Powertools version (3.37.0, with
its ``tracer`` extra, as the public layer ships it) into a layer of its own.

Why ``provided.al2023`` and awslambdaric: MiniStack 1.5.33 runs a ``python3.x`` function in
its own worker, which reports any exception as ``Runtime.HandlerError`` with ``str(e)`` only,
so the ASL's Catch on ``PaymentDeclined`` never fires. Run as a custom runtime, the same code
goes through MiniStack's Lambda Runtime API instead, and the AWS runtime interface client
(awslambdaric, the library the managed Python runtimes are built on) posts the exception's
class name as ``errorType``, as AWS does. So the layer also carries awslambdaric and a
``bootstrap`` that starts it on the function's ``_HANDLER``.

Why built on this host: MiniStack runs functions as local processes with the host's
interpreter, and awslambdaric has a compiled extension, so the layer is pip-installed for the
interpreter running this code (the project's virtualenv, whose boto3 1.43.106 stands in for
the one the managed runtime provides), from the pip index this machine is configured with.
Every requirement is pinned exactly and installed with ``--no-deps``, so the layer holds
exactly the list below; it is cached under ``.local/layers/<key>/`` keyed by that list, the
interpreter and the bootstrap, so only the first deploy pays for the build.

Layout (as AWS mounts a layer at ``/opt``): ``python/`` (on the path) and ``bootstrap``.

What MiniStack does not do (1.5.33): for a ``provided.*`` function run as a local process
(``core/lambda_runtime.ProvidedWorker._spawn``), it extracts the function zip only; it
neither extracts the function's layers nor looks for ``bootstrap`` anywhere but the root of
the function zip (``_provided_runtime_code_dir``). So the bootstrap cannot live only in the
layer there: ``package_for_ministack`` copies the layer, unchanged, under ``opt/`` inside the
deployment zip and adds a two-line root ``bootstrap`` that hands over to ``opt/bootstrap``.
Every file of the function's own package keeps its path and bytes.

    python -m devstack.local_layer      # builds (or finds) the layer and prints its path
"""

import compileall
import hashlib
import io
import json
import os
import platform
import py_compile
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from devstack.paths import REPO_ROOT

POWERTOOLS_VERSION = "3.37.0"  # the public layer's version (sam/template.yaml)
AWSLAMBDARIC_VERSION = "4.2.2"

# Exactly what the layer holds. boto3 and botocore are left out, as the public Powertools
# layer leaves them out: the runtime provides them.
REQUIREMENTS = (
    f"aws-lambda-powertools=={POWERTOOLS_VERSION}",
    # the tracer extra
    "aws-xray-sdk==2.15.0",
    "wrapt==2.5.2",
    # Powertools' own dependencies
    "jmespath==1.1.0",
    "typing_extensions==4.16.0",
    # the runtime interface client and its dependencies
    f"awslambdaric=={AWSLAMBDARIC_VERSION}",
    "simplejson==4.3.0",
    "snapshot-restore-py==1.0.0",
)

# Top-level modules that must resolve from the layer itself, not from the virtualenv.
_EXPECTED_MODULES = (
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "wrapt",
    "jmespath",
    "typing_extensions",
    "awslambdaric",
    "runtime_client",
    "simplejson",
    "snapshot_restore_py",
)

LAYERS_DIR = REPO_ROOT / ".local" / "layers"
LAYER_NAME = "orders-local-runtime"
_FORMAT = "1"  # bump when the layout or the build changes, to invalidate the cache
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same inputs give the same zip bytes

_BOOTSTRAP = """\
#!/bin/sh
# Local custom runtime (devstack.local_layer): the function's Python code on this host's
# interpreter, through the AWS runtime interface client, so that a handler's exception
# reaches Step Functions under its class name. The layer's python/ sits next to this file
# (/opt on AWS; opt/ inside the package on MiniStack).
set -eu
layer_root=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
export PYTHONPATH="${{LAMBDA_TASK_ROOT}}:${{layer_root}}/python"
exec {python} -m awslambdaric "$_HANDLER"
"""

# The package's root bootstrap on MiniStack only: see the module docstring.
_PACKAGE_BOOTSTRAP = """\
#!/bin/sh
# MiniStack runs provided.* functions from the package alone (no /opt): hand over to the
# local layer that devstack copied under opt/.
exec "$(dirname -- "$0")/opt/bootstrap" "$@"
"""

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class LayerBuildError(RuntimeError):
    """The layer could not be built; the message carries pip's or the check's output."""


def bootstrap_script(python: str = sys.executable) -> str:
    return _BOOTSTRAP.format(python=shlex.quote(python))


def cache_key(python: str = sys.executable) -> str:
    """What the layer's bytes depend on: requirements, interpreter, platform, bootstrap."""
    inputs = {
        "format": _FORMAT,
        "requirements": list(REQUIREMENTS),
        "python": python,
        "version": platform.python_version(),
        "implementation": sys.implementation.cache_tag,
        "machine": platform.machine(),
        "bootstrap": bootstrap_script(python),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def layer_path(python: str = sys.executable) -> Path:
    return LAYERS_DIR / cache_key(python) / "layer.zip"


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip().splitlines()
        raise LayerBuildError(
            f"{what} failed (exit {completed.returncode}): {shlex.join(command)}\n"
            + "\n".join(output[-25:])
        )


def _check_layer(python_dir: Path, python: str) -> None:
    """Every expected module imports from the layer, with the layer first on the path."""
    probe = (
        "import importlib, json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "found = {m: importlib.import_module(m).__file__ for m in sys.argv[2:]}\n"
        "print(json.dumps(found))\n"
    )
    completed = subprocess.run(
        [python, "-c", probe, str(python_dir), *_EXPECTED_MODULES],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise LayerBuildError(f"the built layer does not import:\n{completed.stderr.strip()}")
    found: dict[str, str] = json.loads(completed.stdout)
    outside = {name: path for name, path in found.items() if not path.startswith(str(python_dir))}
    if outside:
        raise LayerBuildError(f"modules resolved outside the layer: {outside}")


def _zip_tree(root: Path, archive_path: Path) -> None:
    """Zip ``root`` deterministically, keeping the executable bit (the bootstrap needs it)."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, path.read_bytes())


def build_layer(
    progress: Progress = _quiet, python: str = sys.executable, force: bool = False
) -> Path:
    """Build the local layer zip for ``python`` (or reuse the cached one); return its path."""
    target = layer_path(python)
    if target.exists() and not force:
        progress(f"local layer cached: {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-", dir=target.parent) as scratch:
        root = Path(scratch) / "layer"
        python_dir = root / "python"
        progress(f"building local layer: pip install {len(REQUIREMENTS)} pinned packages")
        _run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--no-compile",
                "--target",
                str(python_dir),
                *REQUIREMENTS,
            ],
            "pip install",
        )
        shutil.rmtree(python_dir / "bin", ignore_errors=True)  # console scripts: host paths
        _check_layer(python_dir, python)
        # Hash-based .pyc: MiniStack extracts zips without their timestamps, so
        # timestamp-based ones would be stale on every cold start.
        progress("compiling the layer's modules")
        compileall.compile_dir(
            python_dir,
            quiet=1,
            workers=0,
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
        )
        bootstrap = root / "bootstrap"
        bootstrap.write_text(bootstrap_script(python), encoding="utf-8")
        bootstrap.chmod(0o755)
        partial = Path(scratch) / "layer.zip"
        _zip_tree(root, partial)
        partial.replace(target)  # atomic: a half-built layer is never served from the cache
    size_mb = target.stat().st_size / 1_000_000
    progress(f"local layer built: {target} ({size_mb:.1f} MB)")
    return target


def _copy_entries(source: zipfile.ZipFile, target: zipfile.ZipFile, prefix: str = "") -> None:
    for info in source.infolist():
        copied = zipfile.ZipInfo(prefix + info.filename, info.date_time)
        copied.compress_type = zipfile.ZIP_DEFLATED
        copied.external_attr = info.external_attr
        target.writestr(copied, source.read(info))


def package_for_ministack(function_zip: bytes, layer_zip: bytes) -> bytes:
    """The function package plus what MiniStack's ``provided.*`` executor cannot get otherwise.

    Every entry of ``function_zip`` is copied with its path and bytes unchanged; the layer
    is added under ``opt/`` (where its bootstrap finds ``python/``), and a root ``bootstrap``
    execs ``opt/bootstrap``. Raises if the package already uses either path.
    """
    with (
        zipfile.ZipFile(io.BytesIO(function_zip)) as function,
        zipfile.ZipFile(io.BytesIO(layer_zip)) as layer,
    ):
        clashes = [n for n in function.namelist() if n == "bootstrap" or n.startswith("opt/")]
        if clashes:
            raise ValueError(f"the function package already holds {clashes}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            _copy_entries(function, package)
            info = zipfile.ZipInfo("bootstrap", _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            package.writestr(info, _PACKAGE_BOOTSTRAP)
            _copy_entries(layer, package, prefix="opt/")
    return buffer.getvalue()


def added_by_packaging(function_zip: bytes, package_zip: bytes) -> Iterable[str]:
    """Paths in the deployed package that are not in the function's own package.

    Raises if any of the function's own files changed: the Python code must be byte-identical.
    """
    with (
        zipfile.ZipFile(io.BytesIO(function_zip)) as function,
        zipfile.ZipFile(io.BytesIO(package_zip)) as package,
    ):
        for name in function.namelist():
            if package.read(name) != function.read(name):
                raise ValueError(f"{name} differs from the function package")
        own = set(function.namelist())
        return sorted(n for n in package.namelist() if n not in own)


def main() -> int:
    try:
        path = build_layer(progress=lambda line: print(line, file=sys.stderr))
    except LayerBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
