"""Start, check and stop the local emulator (MiniStack) from this repository's virtualenv.

MiniStack is a pip package (no Docker), so the local target runs it as a plain background
process: bound to 127.0.0.1 only, its output in ``.local/ministack.log`` and its process id in
``.local/ministack.pid`` (``-<port>`` added for a port other than 4566), so a later ``stop``
from another shell finds it. It is started in its own process group
(``devstack.background``) because it runs every Lambda function as a child process of its
own: stopping the group stops those too, and nothing is left behind.

The emulator is started with a scrubbed environment. MiniStack copies its own environment into
every function process it spawns for a ``provided.*`` runtime, so credentials or a profile from
the caller's shell would otherwise reach the functions; and it sets ``AWS_ENDPOINT_URL`` for
those processes only when it has that variable itself (``lambda_svc._provided_worker_env`` in
1.5.33), so without it the functions' boto3 calls would leave for the real AWS endpoints.

    python -m devstack.ministack start|stop|status [--port N]
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.background import BackgroundProcess, scrubbed_environment

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
ACCOUNT_ID = "000000000000"  # the account every MiniStack resource lives in
HEALTH_PATH = "/_ministack/health"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0

# Variables from the caller's environment that must not reach MiniStack, and so its functions.
_SCRUBBED_PREFIXES = ("AWS_", "LOCALSTACK_", "MINISTACK_")
_SCRUBBED_NAMES = frozenset({"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"})

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class MiniStackError(RuntimeError):
    """MiniStack could not be started, reached or stopped; the message says why."""


@dataclass(frozen=True)
class Instance:
    """A MiniStack process this module started (or found running, then ``pid`` may be None)."""

    port: int
    pid: int | None

    @property
    def endpoint(self) -> str:
        return endpoint_url(self.port)


def endpoint_url(port: int = DEFAULT_PORT) -> str:
    return f"http://{HOST}:{port}"


def executable() -> Path:
    """The ``ministack`` console script of the interpreter running this code (the venv's)."""
    script = Path(sys.executable).parent / "ministack"
    if not script.exists():
        raise MiniStackError(
            f"{script} not found: install the dev toolchain first "
            "(make venv, or pip install -e '.[dev]'), which pins ministack==1.5.33"
        )
    return script


def health(port: int = DEFAULT_PORT, timeout_s: float = 1.0) -> dict[str, object] | None:
    """MiniStack's health document, or None when nothing healthy answers on the port."""
    try:
        with urllib.request.urlopen(endpoint_url(port) + HEALTH_PATH, timeout=timeout_s) as reply:
            if reply.status != 200:
                return None
            document = json.loads(reply.read())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def is_running(port: int = DEFAULT_PORT) -> bool:
    """True when a MiniStack answers its health check on 127.0.0.1:``port``."""
    return health(port) is not None


def process(port: int = DEFAULT_PORT) -> BackgroundProcess:
    """The background process for the MiniStack on ``port`` (one pid and log file per port)."""
    name = "ministack" if port == DEFAULT_PORT else f"ministack-{port}"
    return BackgroundProcess(name, marker=b"ministack")


def log_tail(port: int = DEFAULT_PORT, lines: int = 20) -> str:
    return process(port).log_tail(lines)


def _child_environment(port: int) -> dict[str, str]:
    environment = scrubbed_environment(_SCRUBBED_PREFIXES, _SCRUBBED_NAMES)
    environment.update(
        {
            "BIND_HOST": HOST,
            "GATEWAY_PORT": str(port),
            # Functions run on provided.* get this only if MiniStack itself has it.
            "AWS_ENDPOINT_URL": endpoint_url(port),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "eu-west-2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


def start(
    port: int = DEFAULT_PORT,
    timeout_s: float = START_TIMEOUT_S,
    progress: Progress = _quiet,
) -> Instance:
    """Start MiniStack in the background unless it already answers; wait until it is healthy."""
    background = process(port)
    recorded = background.recorded_pid()
    if is_running(port):
        progress(f"MiniStack already running on {endpoint_url(port)}")
        return Instance(port, recorded)
    if recorded and background.is_ours(recorded):
        raise MiniStackError(
            f"the MiniStack recorded in {background.pid_file} (pid {recorded}) is running but "
            f"does not answer on port {port}; run `python -m devstack.ministack stop` first"
        )
    progress(f"starting MiniStack on {endpoint_url(port)} (log: {background.log_file})")
    child = background.start([str(executable())], _child_environment(port))
    started = time.monotonic()
    deadline = started + timeout_s
    while not is_running(port):
        exit_code = child.poll()
        if exit_code is not None:
            background.forget(child.pid)
            raise MiniStackError(
                f"MiniStack exited with code {exit_code} while starting; "
                f"last lines of {background.log_file}:\n{background.log_tail()}"
            )
        if time.monotonic() > deadline:
            stop(port)
            raise MiniStackError(
                f"MiniStack did not answer {endpoint_url(port)}{HEALTH_PATH} within "
                f"{timeout_s:g} s (stopped it again); last lines of {background.log_file}:\n"
                f"{background.log_tail()}"
            )
        time.sleep(0.1)
    progress(f"MiniStack healthy after {time.monotonic() - started:.1f} s (pid {child.pid})")
    return Instance(port, child.pid)


def stop(port: int = DEFAULT_PORT, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stop the MiniStack started for ``port`` and its functions; True if one was stopped."""
    return process(port).stop(timeout_s)


def status(port: int = DEFAULT_PORT) -> str:
    document = health(port)
    pid = process(port).running_pid()
    owner = f" (pid {pid} in {process(port).pid_file})" if pid else ""
    if document is None:
        return f"MiniStack is not answering on {endpoint_url(port)}{owner}"
    return f"MiniStack {document.get('version', '?')} is running on {endpoint_url(port)}{owner}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.ministack", description=__doc__)
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "start":
            instance = start(arguments.port, progress=print)
            print(f"endpoint {instance.endpoint}")
        elif arguments.command == "stop":
            print("stopped" if stop(arguments.port) else "nothing to stop")
        else:
            print(status(arguments.port))
            return 0 if is_running(arguments.port) else 1
    except MiniStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
