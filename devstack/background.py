"""Long-running local processes (the emulator, the gateway): start, find, stop.

Each runs in its own session and process group, so stopping it also stops the children it
spawned (MiniStack runs every Lambda function as a child process). Its output goes to
``.local/<name>.log`` and its pid to ``.local/<name>.pid``, so a later command from another
shell finds it; only a live process whose command line still carries the expected marker is
ever signalled, which guards against a recycled pid.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.paths import REPO_ROOT

LOCAL_DIR = REPO_ROOT / ".local"

# Processes started by this interpreter, so stop() can reap them (no zombie left behind).
_started: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class BackgroundProcess:
    name: str
    marker: bytes  # a byte string its command line must contain

    @property
    def log_file(self) -> Path:
        return LOCAL_DIR / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return LOCAL_DIR / f"{self.name}.pid"

    def recorded_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def is_ours(self, pid: int) -> bool:
        try:
            return self.marker in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    def alive(self, pid: int) -> bool:
        process = _started.get(pid)
        if process is not None:
            return process.poll() is None
        return self.is_ours(pid)

    def running_pid(self) -> int | None:
        pid = self.recorded_pid()
        return pid if pid is not None and self.alive(pid) else None

    def start(
        self, argv: Sequence[str], environment: Mapping[str, str], cwd: Path = LOCAL_DIR
    ) -> subprocess.Popen[bytes]:
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(environment),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _started[process.pid] = process
        self.pid_file.write_text(str(process.pid), encoding="utf-8")
        return process

    def forget(self, pid: int) -> None:
        _started.pop(pid, None)
        if self.recorded_pid() == pid:
            self.pid_file.unlink(missing_ok=True)

    def stop(self, timeout_s: float = 10.0) -> bool:
        """SIGTERM the recorded process group, SIGKILL after ``timeout_s``; True if it ran."""
        pid = self.recorded_pid()
        if pid is None:
            return False
        if not self.alive(pid):
            self.forget(pid)
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self.alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal_group(pid, signal.SIGKILL)  # also any child that outlived its parent
        process = _started.get(pid)
        if process is not None:
            process.wait(timeout=timeout_s)
        self.forget(pid)
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log yet)"
        return "\n".join(text[-lines:]) or "(log is empty)"


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)  # pid is the group id: start() made it a session leader


def scrubbed_environment(
    prefixes: tuple[str, ...] = (), names: frozenset[str] = frozenset()
) -> dict[str, str]:
    """This process's environment without the listed variables."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(prefixes) and name not in names
    }
