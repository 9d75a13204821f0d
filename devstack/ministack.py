"""Start, check and stop the local emulator (MiniStack) from this repository's virtualenv.

MiniStack is a pip package (no Docker), so the local target runs it as a plain background
process: bound to 127.0.0.1 only, its output in ``.local/ministack.log`` and its process id in
``.local/ministack.pid`` (the pid alone, the format ``devstack.background`` reads, so
``make down`` stops it too), and a later ``stop`` from another shell finds it. It is
started in its own process group because it runs every Lambda function as a child process of
its own: stopping the group stops those too, and nothing is left behind.

The emulator is started with a scrubbed environment. MiniStack copies its own environment into
every function process it spawns for a ``provided.*`` runtime, so credentials or a profile from
the caller's shell would otherwise reach the functions; and it sets ``AWS_ENDPOINT_URL`` for
those processes only when it has that variable itself (``lambda_svc._provided_worker_env`` in
1.5.33), so without it the functions' boto3 calls would leave for the real AWS endpoints.

    python -m devstack.ministack start|stop|status [--port N]
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.paths import REPO_ROOT

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
LOCAL_DIR = REPO_ROOT / ".local"
LOG_FILE = LOCAL_DIR / "ministack.log"
PID_FILE = LOCAL_DIR / "ministack.pid"
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


def log_tail(lines: int = 20) -> str:
    if not LOG_FILE.exists():
        return "(no log yet)"
    text = LOG_FILE.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(log is empty)"


def _read_pid_file() -> int | None:
    """The pid recorded by ``start``, or None when there is no readable pid file."""
    try:
        return int(PID_FILE.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _is_our_ministack(pid: int) -> bool:
    """The process is alive and is a MiniStack (guards against a recycled process id)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"ministack" in command


def _child_environment(port: int) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_SCRUBBED_PREFIXES) and name not in _SCRUBBED_NAMES
    }
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


# Processes started by this interpreter, so stop() can reap them (no zombie left behind).
_started: dict[int, subprocess.Popen[bytes]] = {}


def start(
    port: int = DEFAULT_PORT,
    timeout_s: float = START_TIMEOUT_S,
    progress: Progress = _quiet,
) -> Instance:
    """Start MiniStack in the background unless it already answers; wait until it is healthy."""
    recorded = _read_pid_file()
    if is_running(port):
        progress(f"MiniStack already running on {endpoint_url(port)}")
        return Instance(port, recorded)
    if recorded and _is_our_ministack(recorded):
        raise MiniStackError(
            f"the MiniStack recorded in {PID_FILE} (pid {recorded}) is running but does not "
            f"answer on port {port}; run `python -m devstack.ministack stop` first"
        )
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    progress(f"starting MiniStack on {endpoint_url(port)} (log: {LOG_FILE})")
    with LOG_FILE.open("wb") as log:
        process = subprocess.Popen(
            [str(executable())],
            cwd=LOCAL_DIR,
            env=_child_environment(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends its functions too
        )
    _started[process.pid] = process
    PID_FILE.write_text(str(process.pid), encoding="utf-8")
    started = time.monotonic()
    deadline = started + timeout_s
    while not is_running(port):
        exit_code = process.poll()
        if exit_code is not None:
            _forget(process.pid)
            raise MiniStackError(
                f"MiniStack exited with code {exit_code} while starting; "
                f"last lines of {LOG_FILE}:\n{log_tail()}"
            )
        if time.monotonic() > deadline:
            stop()
            raise MiniStackError(
                f"MiniStack did not answer {endpoint_url(port)}{HEALTH_PATH} within "
                f"{timeout_s:g} s (stopped it again); last lines of {LOG_FILE}:\n{log_tail()}"
            )
        time.sleep(0.1)
    progress(f"MiniStack healthy after {time.monotonic() - started:.1f} s (pid {process.pid})")
    return Instance(port, process.pid)


def _forget(pid: int) -> None:
    _started.pop(pid, None)
    if _read_pid_file() == pid:
        PID_FILE.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    process = _started.get(pid)
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _is_our_ministack(pid)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)  # pid is the group id: start() made it a session leader


def stop(timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stop the MiniStack recorded in the pid file and its functions; True if one was stopped.

    Only the process recorded in ``.local/ministack.pid``, and only if it still is a
    MiniStack, is ever signalled: SIGTERM to its process group, then SIGKILL after
    ``timeout_s``.
    """
    pid = _read_pid_file()
    if pid is None:
        return False
    if not _alive(pid):
        _forget(pid)
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        _signal_group(pid, signal.SIGKILL)
    process = _started.get(pid)
    if process is not None:
        process.wait(timeout=timeout_s)
    # Functions' processes share the group; make sure none outlived the server.
    _signal_group(pid, signal.SIGKILL)
    _forget(pid)
    return True


def status(port: int = DEFAULT_PORT) -> str:
    document = health(port)
    recorded = _read_pid_file()
    owner = f" (pid {recorded} in {PID_FILE})" if recorded and _alive(recorded) else ""
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
            print("stopped" if stop() else "nothing to stop")
        else:
            print(status(arguments.port))
            return 0 if is_running(arguments.port) else 1
    except MiniStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
