"""Start and stop the local stack's long-running processes (emulator, gateway).

Each process runs in its own session (so stopping it stops its children), logs to
``.local/<name>.log`` and records its pid in ``.local/<name>.pid``.
"""

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.paths import REPO_ROOT

LOCAL_DIR = REPO_ROOT / ".local"


def log_file(name: str) -> Path:
    return LOCAL_DIR / f"{name}.log"


def _pid_file(name: str) -> Path:
    return LOCAL_DIR / f"{name}.pid"


def pid_of(name: str) -> int | None:
    """The pid of a running process started here under ``name``, or None."""
    try:
        pid = int(_pid_file(name).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def start(name: str, argv: Sequence[str], environment: Mapping[str, str] | None = None) -> int:
    LOCAL_DIR.mkdir(exist_ok=True)
    with log_file(name).open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(environment or {})},
            start_new_session=True,
            cwd=REPO_ROOT,
        )
    _pid_file(name).write_text(str(process.pid))
    return process.pid


def stop(name: str, timeout_s: float = 10.0) -> bool:
    """Stop the process group started under ``name``; return whether one was running."""
    pid = pid_of(name)
    _pid_file(name).unlink(missing_ok=True)
    if pid is None:
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def log_tail(name: str, lines: int = 20) -> str:
    try:
        return "\n".join(log_file(name).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
