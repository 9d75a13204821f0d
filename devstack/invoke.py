"""``make invoke FN=<function> EVENT=<file>``: run one function on one event.

Where a container runtime answers, this is ``sam local invoke`` on the ``sam build`` output,
pointed at the local stack. Where none does (as on a machine without Docker), the same handler
runs in this process with the same event and the same environment variables, against the
local stack if it is up, or else against a freshly provisioned embedded emulator; the output
says which.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from devstack import ministack
from devstack.embedded_stack import embedded_stack
from devstack.inprocess_lambda import InProcessRuntime
from devstack.package import BUILD_DIR, logical_id
from devstack.paths import REPO_ROOT
from devstack.stack import DEFAULT_REGION, FUNCTIONS, Function, Naming, function_environment

EVENTS_DIR = REPO_ROOT / "sam" / "events"
LOCAL_ENDPOINT = "http://127.0.0.1:4566"


class UsageError(Exception):
    pass


def find_function(name: str) -> Function:
    key = name.replace("-", "_")
    for function in FUNCTIONS:
        if key in (function.key, logical_id(function)):
            return function
    choices = ", ".join(f.key for f in FUNCTIONS)
    raise UsageError(f"unknown function {name!r}; choose one of: {choices}")


def find_event(name: str) -> Path:
    for candidate in (Path(name), EVENTS_DIR / name, EVENTS_DIR / f"{name}.json"):
        if candidate.is_file():
            return candidate
    choices = "\n  ".join(sorted(p.name for p in EVENTS_DIR.glob("*.json")))
    raise UsageError(f"no event file {name!r}; the events are:\n  {choices}")


def container_runtime_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "info"], capture_output=True, check=False, timeout=20)
    return probe.returncode == 0


def local_stack_up(endpoint: str = LOCAL_ENDPOINT) -> bool:
    import urllib.request  # noqa: PLC0415 - only this path needs it

    try:
        with urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=2):
            return True
    except OSError:
        return False


def invoke_with_sam(function: Function, event: Path, sam: str) -> int:
    environment = function_environment(function, Naming(), ministack.ACCOUNT_ID)
    environment["AWS_ENDPOINT_URL"] = "http://host.docker.internal:4566"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as env_file:
        json.dump({logical_id(function): environment}, env_file)
    print(f"sam local invoke {logical_id(function)} (container runtime found)", flush=True)
    command = [
        sam, "local", "invoke", logical_id(function),
        "--template", str(BUILD_DIR / "template.yaml"),
        "--event", str(event), "--env-vars", env_file.name,
        "--add-host", "host.docker.internal:host-gateway",
    ]  # fmt: skip
    return subprocess.run(command, check=False).returncode


def invoke_in_process(function: Function, payload: Any) -> int:
    runtime = InProcessRuntime()
    arguments: dict[str, Any] = {
        "handler": function.handler,
        "function_name": Naming().name(function.key),
        "memory_mb": function.memory_mb,
        "timeout_s": function.timeout_s,
        "region": DEFAULT_REGION,
        "event": payload,
    }
    if local_stack_up():
        print(f"No container runtime: running {function.handler} in this process against the "
              f"local stack at {LOCAL_ENDPOINT}.", flush=True)  # fmt: skip
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        environment = function_environment(function, Naming(), ministack.ACCOUNT_ID)
        environment["AWS_ENDPOINT_URL"] = LOCAL_ENDPOINT
        result = runtime.invoke(function_arn="local", environment=environment, **arguments)
    else:
        print(f"No container runtime and no local stack: running {function.handler} in this "
              "process against a fresh embedded emulator (seeded catalogue).",
              flush=True)  # fmt: skip
        with embedded_stack() as stack:
            arn = stack.outputs.functions[function.key]
            environment = function_environment(function, Naming(), stack.outputs.account)
            result = runtime.invoke(function_arn=arn, environment=environment, **arguments)
    payload_json, errored, _ = result
    print(json.dumps(json.loads(payload_json), indent=2))
    return 1 if errored else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", help="validate_order, process_payment or refund_payment")
    parser.add_argument("event", help="a file in sam/events/ (name or path)")
    parser.add_argument("--sam", default=str(REPO_ROOT / ".tools" / "sam" / "bin" / "sam"))
    args = parser.parse_args(argv)
    try:
        function, event = find_function(args.function), find_event(args.event)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    if Path(args.sam).exists() and container_runtime_available():
        return invoke_with_sam(function, event, args.sam)
    return invoke_in_process(function, json.loads(event.read_text(encoding="utf-8")))


if __name__ == "__main__":
    sys.exit(main())
