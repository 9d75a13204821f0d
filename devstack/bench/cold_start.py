"""(b) Cold starts: import time, package size and peak memory of each function.

Every measurement runs the function's handler in a fresh interpreter, as Lambda does at a cold
start (:mod:`devstack.bench.probe`):

- the interpreter is CPython 3.13, the deployed runtime, when one is found (``--python``, else
  ``python3.13`` on PATH or under pyenv); otherwise the interpreter running this code, and the
  report says which;
- started with ``-I -S -B``, its path holds only, in Lambda's order, the function's package
  (``.aws-sam/build/<LogicalId>.zip`` unzipped, without ``.pyc`` files, as Lambda gets it),
  the Powertools layer (:mod:`devstack.local_layer`'s pinned list, built for that interpreter,
  plus ``LAYER_EXTRAS``, which the public layer ships too) and the runtime's boto3 (this
  virtualenv's versions), the last two compiled ahead, as a runtime's are;
- its environment is the function's deployed variables (``devstack.stack``) plus those the
  Lambda runtime sets, tracing on (``LAMBDA_TASK_ROOT`` and a sampled trace header, with
  the X-Ray daemon address pointing at nothing on 127.0.0.1), and nothing from this shell.

Import time: the handler module's import (module scope creates its clients, settings and
Powertools utilities), timed inside the process, as wall time and as the process's CPU time
(which the machine's other work inflates less, so the targets are read on it); the median of
``rounds`` processes per function, interleaved with as many processes measuring the floor
(``import boto3`` and one client), so both see the same machine: each round runs the floor,
then every handler. The first round's handler processes go on to the memory measurement
below (their import is timed before any invocation); one floor process before it warms the
file cache, uncounted.

Peak memory: the process's peak resident set (``VmHWM``, what Lambda reports as "Max
Memory Used") after importing the handler and invoking it on each of its sample events in
``sam/events/`` (``<source>_<function>_<case>.json``). Their AWS calls go to moto (the
embedded emulator's backend) served on 127.0.0.1 by this process, provisioned by
``devstack.provision`` and seeded; the state the events name is put in place first (the
stock receipt upload and its chunk, the order screened), and names that differ on moto (its
account id in the bucket name, the upload's version id) are rewritten. Functions that the
handler's writes would trigger (a stream, a queue) are not run there: each is measured in its
own process.

    python -m devstack.bench.cold_start [--rounds 5] [--python PATH] [--json FILE] [--no-tracing]
"""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest import mock

import boto3

from devstack import local_layer, ministack
from devstack.bench.machine import python_version
from devstack.bench.tables import markdown_table, median
from devstack.package import BUILD_DIR, logical_id, package_path
from devstack.paths import LAMBDAS_DIR, REPO_ROOT, STOCK_RECEIPT_FILE
from devstack.provision import StackOutputs, provision
from devstack.seed import seed_catalogue_and_stock
from devstack.stack import DEFAULT_REGION, FUNCTIONS, Function, Naming, function_environment

PROBE = Path(__file__).with_name("probe.py")
EVENTS_DIR = REPO_ROOT / "sam" / "events"
BENCH_DIR = REPO_ROOT / ".local" / "bench"
RUNTIME_VERSION = "3.13"  # devstack.stack.LAMBDA_RUNTIME
# What the Lambda runtime provides besides Powertools: boto3 at this virtualenv's versions.
RUNTIME_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
# What the public Powertools layer ships beyond the local layer's list, which holds the tracer
# extra only (on MiniStack the virtualenv supplies the rest): data masking imports jsonpath-ng.
LAYER_EXTRAS = ("jsonpath-ng",)
SAMPLE_TRACE_ID = "Root=1-67f3a1c2-d4e5f6a7b8c9d0e1f2a3b4c5;Parent=53995c3f42cd8ad8;Sampled=1"

# The targets (issue 6, and DESIGN's reading of the import time on these machines).
IMPORT_TARGET_MS = 300.0
ABOVE_FLOOR_TARGET_MS = 100.0
PACKAGE_TARGET_BYTES = 1_000_000
MEMORY_SHARE_TARGET = 0.8  # peak RSS at most 80 % of the function's memory size

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class EventOutcome:
    event: str
    error: str | None  # the exception's class name, as Lambda's errorType
    failed_items: int = 0  # a batch handler's batchItemFailures


@dataclass
class FunctionResult:
    key: str
    memory_mb: int
    package_bytes: int
    unpacked_bytes: int
    import_ms: list[float] = field(default_factory=list)  # wall time
    import_cpu_ms: list[float] = field(default_factory=list)  # the process's CPU time
    peak_rss_mib: float = 0.0
    events: list[EventOutcome] = field(default_factory=list)

    @property
    def import_median_ms(self) -> float:
        return median(self.import_ms)

    @property
    def import_cpu_median_ms(self) -> float:
        return median(self.import_cpu_ms)

    @property
    def memory_share(self) -> float:
        return self.peak_rss_mib / self.memory_mb


@dataclass
class Report:
    interpreter: str
    python: str
    is_runtime: bool  # the interpreter is the deployed runtime's version
    rounds: int
    tracing: bool
    floor_ms: list[float]
    floor_cpu_ms: list[float]
    functions: list[FunctionResult]

    @property
    def floor_median_ms(self) -> float:
        return median(self.floor_ms)

    @property
    def floor_cpu_median_ms(self) -> float:
        return median(self.floor_cpu_ms)

    def above_floor_ms(self, function: FunctionResult) -> float:
        return function.import_median_ms - self.floor_median_ms

    def above_floor_cpu_ms(self, function: FunctionResult) -> float:
        return function.import_cpu_median_ms - self.floor_cpu_median_ms

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["floor_median_ms"] = self.floor_median_ms
        document["floor_cpu_median_ms"] = self.floor_cpu_median_ms
        for entry, function in zip(document["functions"], self.functions, strict=True):
            entry["import_median_ms"] = function.import_median_ms
            entry["import_cpu_median_ms"] = function.import_cpu_median_ms
            entry["above_floor_ms"] = self.above_floor_ms(function)
            entry["above_floor_cpu_ms"] = self.above_floor_cpu_ms(function)
        return document


# --- the interpreter and what sits on its path -------------------------------------------------


def find_runtime_python(requested: str | None = None) -> str | None:
    """A working CPython 3.13: ``requested``, else on PATH, else the newest under pyenv."""
    candidates = [requested, shutil.which("python3.13")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.extend(str(p) for p in sorted(pyenv_root.glob("versions/3.13*/bin/python3.13")))
    for candidate in filter(None, candidates):
        if python_version(candidate).startswith(RUNTIME_VERSION + "."):
            return candidate
    return None


def _runtime_requirements() -> list[str]:
    names = RUNTIME_PACKAGES + LAYER_EXTRAS
    return [f"{name}=={metadata.version(name)}" for name in names]


def runtime_paths(python: str, progress: Progress = _quiet) -> list[Path]:
    """The Powertools layer and the runtime's boto3 for ``python``, built once and cached."""
    inputs = [python, python_version(python), *local_layer.REQUIREMENTS, *_runtime_requirements()]
    key = hashlib.sha256("\n".join(inputs).encode()).hexdigest()[:16]
    root = BENCH_DIR / f"runtime-{key}"
    paths = [root / "layer", root / "runtime"]
    if (root / ".complete").exists():
        return paths
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="runtime-", dir=BENCH_DIR) as scratch:
        staging = Path(scratch) / "root"
        layer_zip = local_layer.build_layer(progress, python=python)
        with zipfile.ZipFile(layer_zip) as layer:
            for name in layer.namelist():
                if name.startswith("python/") and "/__pycache__/" not in name:
                    layer.extract(name, staging)
        (staging / "python").rename(staging / "layer")
        progress(f"installing the runtime's boto3 (and {', '.join(LAYER_EXTRAS)}) for {python}")
        install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        install += ["--no-deps", "--only-binary=:all:", "--target", str(staging / "runtime")]
        _run([*install, *_runtime_requirements()], "pip install")
        shutil.rmtree(staging / "runtime" / "bin", ignore_errors=True)
        _run([python, "-m", "compileall", "-q", str(staging)], "compileall")
        (staging / ".complete").touch()
        if not (root / ".complete").exists():  # else another run built it meanwhile
            shutil.rmtree(root, ignore_errors=True)
            staging.rename(root)
    return paths


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{what} failed: {completed.stderr.strip()[-2000:]}")


def unpack_package(function: Function, target: Path) -> tuple[int, int]:
    """Unzip the function's ``sam build`` package into ``target``; return (zip, unzipped) bytes."""
    path = package_path(function)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make build` (sam build) first")
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
        unpacked = sum(info.file_size for info in archive.infolist())
    return path.stat().st_size, unpacked


# --- one probe ----------------------------------------------------------------------------------


def lambda_environment(
    function: Function | None,
    package_dir: Path,
    account: str,
    endpoint: str | None = None,
    tracing: bool = True,
) -> dict[str, str]:
    """What a Lambda process of ``function`` sees (the runtime's variables alone for None).

    ``tracing``: as deployed (``Tracing: Active``), Powertools' Tracer loads the X-Ray SDK and
    patches botocore at import; False sets ``POWERTOOLS_TRACE_DISABLED`` to see that cost.
    """
    environment = {
        "AWS_REGION": DEFAULT_REGION,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,  # never this machine's profiles
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{RUNTIME_VERSION}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": str(package_dir),
        "_X_AMZN_TRACE_ID": SAMPLE_TRACE_ID,
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
    }
    if function is not None:
        environment.update(function_environment(function, Naming(), account))
        environment["AWS_LAMBDA_FUNCTION_NAME"] = Naming().name(function.key)
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(function.memory_mb)
        environment["_HANDLER"] = function.handler
    if endpoint:
        environment["AWS_ENDPOINT_URL"] = endpoint
    if not tracing:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    return environment


def run_probe(
    python: str,
    paths: list[Path],
    target: str,
    environment: Mapping[str, str],
    function: Function | None = None,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {"paths": [str(p) for p in paths], "target": target}
    if function is not None:
        request.update(
            function_name=Naming().name(function.key),
            memory_mb=function.memory_mb,
            timeout_s=function.timeout_s,
            events=events or [],
        )
    completed = subprocess.run(
        [python, "-I", "-S", "-B", str(PROBE), json.dumps(request)],
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
            return result
    raise RuntimeError(
        f"the probe of {target} gave no result (exit {completed.returncode}):\n"
        + completed.stderr.strip()[-3000:]
    )


# --- the sample events, on moto served over HTTP -------------------------------------------------


def sample_events(function: Function) -> list[Path]:
    """``sam/events/<source>_<function>_<case>.json`` for this function."""
    return sorted(
        path
        for path in EVENTS_DIR.glob("*.json")
        if path.stem.partition("_")[2].startswith(function.key + "_")
    )


def _downstream_not_run(function: Any, event: Any = None) -> tuple[str, bool, str]:
    """moto runs function code only in Docker: what a probe's writes trigger answers null."""
    return "null", False, ""


@contextlib.contextmanager
def emulator_server() -> Iterator[str]:
    """moto on 127.0.0.1 (a free port) in this process; yields its endpoint."""
    from moto.awslambda.models import LambdaFunction  # noqa: PLC0415 - only this run needs moto
    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with mock.patch.object(LambdaFunction, "_invoke_lambda", _downstream_not_run):
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def _rewrite(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_rewrite(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite(v, replacements) for k, v in value.items()}
    return value


def prepare_sample_state(clients: Callable[[str], Any], outputs: StackOutputs) -> dict[str, str]:
    """Put in place what the sample events name; return the names to rewrite in them."""
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))
    from inventory_extract import logic as extract  # noqa: PLC0415 - lambdas/ is now on the path

    dynamodb, s3 = clients("dynamodb"), clients("s3")
    seed_catalogue_and_stock(dynamodb, outputs.tables["catalogue"], outputs.tables["inventory"])
    # The order the risk-screening events score (it must exist: the update is conditional).
    dynamodb.put_item(
        TableName=outputs.tables["orders"],
        Item={"orderId": {"S": "evt-1001"}, "status": {"S": "PLACED"}, "total": {"N": "21900"}},
    )
    # The upload the extract events announce, and the chunk the load events read.
    sample_bucket = Naming().bucket_name("imports", ministack.ACCOUNT_ID)
    uploaded = json.loads(
        (EVENTS_DIR / "stepfunctions_inventory_extract_uploaded.json").read_text(encoding="utf-8")
    )
    sample = extract.parse_request(uploaded, sample_bucket)
    bucket = outputs.buckets["imports"]
    # Its TLS-only policy would deny every request here: this moto serves plain HTTP.
    s3.delete_bucket_policy(Bucket=bucket)
    body = STOCK_RECEIPT_FILE.read_bytes()
    put = s3.put_object(Bucket=bucket, Key=sample.key, Body=body)
    here = extract.ImportRequest(bucket, sample.key, put["ETag"].strip('"'), put["VersionId"])
    first_chunk = extract.chunks(extract.parse(body.splitlines()).totals)[0]
    s3.put_object(
        Bucket=bucket,
        Key=extract.chunk_key(here.import_id, 0),
        Body=json.dumps(first_chunk).encode(),
    )
    return {
        sample_bucket: bucket,
        str(sample.version): str(here.version),
        sample.import_id: here.import_id,
    }


def _provision_on(endpoint: str) -> tuple[Callable[[str], Any], StackOutputs]:
    session = boto3.session.Session(
        region_name=DEFAULT_REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    cache: dict[str, Any] = {}

    def clients(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=endpoint)
        return cache[service]

    return clients, provision(clients, DEFAULT_REGION)


# --- the whole measurement ---------------------------------------------------------------------


def measure(
    rounds: int = 5,
    python: str | None = None,
    functions: tuple[Function, ...] = FUNCTIONS,
    tracing: bool = True,
    progress: Progress = _quiet,
) -> Report:
    """Measure each function (the module docstring says how), its package unzipped into a
    scratch folder of its own, so runs at the same time do not share one."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="packages-", dir=BENCH_DIR) as packages:
        return _measure(rounds, python, functions, tracing, progress, Path(packages))


def _measure(
    rounds: int,
    python: str | None,
    functions: tuple[Function, ...],
    tracing: bool,
    progress: Progress,
    packages_dir: Path,
) -> Report:
    interpreter = find_runtime_python(python) or sys.executable
    version = python_version(interpreter)
    paths = runtime_paths(interpreter, progress)
    results: dict[str, FunctionResult] = {}
    for function in functions:
        zipped, unpacked = unpack_package(function, packages_dir / logical_id(function))
        results[function.key] = FunctionResult(function.key, function.memory_mb, zipped, unpacked)

    def package_dir(function: Function) -> Path:
        return packages_dir / logical_id(function)

    account = ministack.ACCOUNT_ID
    # The floor has no Tracer: tracing changes only what the handlers import.
    floor_environment = lambda_environment(None, package_dir(functions[0]), account)
    floor_ms: list[float] = []
    floor_cpu_ms: list[float] = []

    def floor() -> None:
        probed = run_probe(interpreter, paths, "floor", floor_environment)
        floor_ms.append(probed["import_ms"])
        floor_cpu_ms.append(probed["import_cpu_ms"])

    run_probe(interpreter, paths, "floor", floor_environment)  # warms the file cache: not counted
    progress("round 1: the floor, then each handler on its sample events (moto on 127.0.0.1)")
    with emulator_server() as endpoint:
        clients, outputs = _provision_on(endpoint)
        replacements = prepare_sample_state(clients, outputs)
        floor()
        for function in functions:
            events = [
                {"name": p.stem, "event": _rewrite(json.loads(p.read_text()), replacements)}
                for p in sample_events(function)
            ]
            environment = lambda_environment(
                function, package_dir(function), outputs.account, endpoint, tracing
            )
            probed = run_probe(
                interpreter,
                [package_dir(function), *paths],
                function.handler,
                environment,
                function,
                events,
            )
            result = results[function.key]
            result.import_ms.append(probed["import_ms"])  # timed before any invocation
            result.import_cpu_ms.append(probed["import_cpu_ms"])
            result.peak_rss_mib = probed["peak_rss_mib"]
            result.events = [EventOutcome(**outcome) for outcome in probed["events"]]

    for number in range(2, rounds + 1):
        progress(f"round {number}: the floor, then each handler's import")
        floor()
        for function in functions:
            probed = run_probe(
                interpreter,
                [package_dir(function), *paths],
                function.handler,
                lambda_environment(function, package_dir(function), account, tracing=tracing),
            )
            results[function.key].import_ms.append(probed["import_ms"])
            results[function.key].import_cpu_ms.append(probed["import_cpu_ms"])
    return Report(
        interpreter,
        version,
        version.startswith(RUNTIME_VERSION + "."),
        rounds,
        tracing,
        floor_ms,
        floor_cpu_ms,
        list(results.values()),
    )


# --- the report ---------------------------------------------------------------------------------


def _events_cell(function: FunctionResult) -> str:
    parts = []
    for outcome in function.events:
        case = outcome.event.partition(function.key + "_")[2]
        if outcome.error:
            parts.append(f"{case}: {outcome.error}")
        elif outcome.failed_items:
            parts.append(f"{case}: {outcome.failed_items} item(s) failed")
        else:
            parts.append(f"{case}: ok")
    return ", ".join(parts) or "none"


def render(report: Report) -> str:
    which = (
        "the deployed runtime's version"
        if report.is_runtime
        else f"NOT the deployed runtime (python{RUNTIME_VERSION} was not found)"
    )
    tracing = "on, as deployed" if report.tracing else "off (`POWERTOOLS_TRACE_DISABLED=true`)"
    lines = [
        f"Interpreter: `{report.interpreter}`, CPython {report.python} ({which}); "
        f"medians of {report.rounds} fresh processes each; tracing {tracing}.",
        "",
        f"Floor (`import boto3` and one client): **{report.floor_median_ms:.0f} ms** wall "
        f"(runs: {', '.join(f'{ms:.0f}' for ms in report.floor_ms)}), "
        f"**{report.floor_cpu_median_ms:.0f} ms** CPU "
        f"(runs: {', '.join(f'{ms:.0f}' for ms in report.floor_cpu_ms)}).",
        "",
    ]
    rows = [
        [
            f.key,
            round(f.import_median_ms),
            round(f.import_cpu_median_ms),
            round(report.above_floor_ms(f)),
            round(report.above_floor_cpu_ms(f)),
            f"{f.package_bytes / 1000:,.1f} kB",
            f"{f.unpacked_bytes / 1000:,.1f} kB",
            round(f.peak_rss_mib, 1),
            f.memory_mb,
            f"{f.memory_share:.0%}",
            _events_cell(f),
        ]
        for f in report.functions
    ]
    header = ["function", "import ms (wall)", "import ms (CPU)", "above floor (wall)"]
    header += ["above floor (CPU)", "package (zip)", "unzipped", "peak RSS MiB", "memory MB"]
    lines.append(markdown_table([*header, "share", "sample events"], rows))
    lines.extend(["", *targets(report)])
    return "\n".join(lines)


def targets(report: Report) -> list[str]:
    functions, count = report.functions, len(report.functions)

    def under(value: Callable[[FunctionResult], float], limit: float) -> int:
        return sum(1 for f in functions if value(f) < limit)

    worst = max(functions, key=report.above_floor_cpu_ms)
    return [
        f"- import under {IMPORT_TARGET_MS:.0f} ms (the issue's reading): "
        f"{under(lambda f: f.import_median_ms, IMPORT_TARGET_MS)} of {count} by wall time, "
        f"{under(lambda f: f.import_cpu_median_ms, IMPORT_TARGET_MS)} by CPU time (the floor "
        f"alone: {report.floor_median_ms:.0f} ms wall, {report.floor_cpu_median_ms:.0f} ms CPU)",
        f"- import under {ABOVE_FLOOR_TARGET_MS:.0f} ms above the floor (DESIGN's reading): "
        f"{under(report.above_floor_cpu_ms, ABOVE_FLOOR_TARGET_MS)} of {count} by CPU time, "
        f"{under(report.above_floor_ms, ABOVE_FLOOR_TARGET_MS)} by wall time (largest: "
        f"{worst.key}, {report.above_floor_cpu_ms(worst):.0f} ms CPU)",
        f"- package under 1 MB: {under(lambda f: f.package_bytes, PACKAGE_TARGET_BYTES)} of "
        f"{count} (largest: {max(f.package_bytes for f in functions):,} bytes)",
        f"- peak memory at most {MEMORY_SHARE_TARGET:.0%} of the memory size: "
        f"{sum(1 for f in functions if f.memory_share <= MEMORY_SHARE_TARGET)} of {count} "
        f"(largest share: {max(f.memory_share for f in functions):.0%})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per handler")
    parser.add_argument("--python", help="the CPython 3.13 to measure with (found if omitted)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument(
        "--no-tracing",
        dest="tracing",
        action="store_false",
        help="the handlers with POWERTOOLS_TRACE_DISABLED=true (deployed: tracing on)",
    )
    args = parser.parse_args(argv)
    if not (BUILD_DIR / f"{logical_id(FUNCTIONS[0])}.zip").exists():
        print("the sam build packages are missing: run `make build` first", file=sys.stderr)
        return 2

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    report = measure(args.rounds, args.python, tracing=args.tracing, progress=progress)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
