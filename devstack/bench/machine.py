"""The machine a bench ran on: CPU model and count, memory, Python versions, load average."""

import os
import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def python_version(interpreter: str) -> str:
    try:
        completed = subprocess.run(
            [interpreter, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "not found"
    return completed.stdout.strip()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def describe(runtime_python: str | None) -> list[str]:
    """Lines for a report's "machine" section."""
    memory = memory_gib()
    lines = [
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical CPUs ({platform.machine()})",
        f"- memory: {memory:.1f} GiB" if memory else "- memory: unknown",
        f"- OS: {platform.system()} {platform.release()}",
        f"- tooling Python: {platform.python_version()} ({platform.python_implementation()})",
    ]
    if runtime_python:
        lines.append(
            f"- Lambda runtime stand-in: {runtime_python} {python_version(runtime_python)}"
        )
    lines.append(f"- load average at the start: {load_average()}")
    return lines
