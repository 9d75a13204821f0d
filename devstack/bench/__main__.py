"""``make bench``: the three benches in turn, as one Markdown report.

Each part runs in its own process, so each starts from a fresh interpreter and its emulator
never meets another's (the command is printed above its output, with the load average
before and after it, since this machine may be running other work). The report is printed
and written to ``.local/bench/report.md``; the load part also saves its plot.

    python -m devstack.bench [--orders 50] [--rounds 5] [--rates 2,4,8,12,16] [--duration 60]
"""

import argparse
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from devstack.bench import load
from devstack.bench.cold_start import BENCH_DIR, find_runtime_python
from devstack.bench.machine import describe, load_average
from devstack.paths import REPO_ROOT

REPORT = BENCH_DIR / "report.md"


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def run_part(title: str, module: str, arguments: list[str], report: list[str]) -> int:
    command = [sys.executable, "-m", module, *arguments]
    shown = shlex.join(["python", "-m", module, *arguments])
    heading = [f"## {title}", "", f"`{shown}`", "", f"Load average before: {load_average()}", ""]
    print("\n".join(heading), flush=True)
    completed = subprocess.run(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, check=False
    )
    print(completed.stdout, flush=True)
    after = f"Load average after: {load_average()}"
    print(after + "\n", flush=True)
    report.extend([*heading, completed.stdout.rstrip(), "", after, ""])
    if completed.returncode != 0:
        print(f"{module} failed (exit {completed.returncode})", file=sys.stderr)
    return completed.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50, help="orders on the embedded emulator")
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per handler")
    parser.add_argument("--rates", default=",".join(f"{r:g}" for r in load.DEFAULT_RATES))
    parser.add_argument("--duration", type=float, default=load.DEFAULT_DURATION_S)
    parser.add_argument("--python", default="", help="the CPython 3.13 (found if empty)")
    parser.add_argument("--locust", type=Path, default=load.LOCUST)
    parser.add_argument("--port", type=int, default=load.DEFAULT_PORT)
    parser.add_argument("--plot", type=Path, default=load.DEFAULT_PLOT)
    args = parser.parse_args(argv)
    runtime = find_runtime_python(args.python or None)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = ["# make bench", "", f"Run {started} on:", "", *describe(runtime), ""]
    print("\n".join(header), flush=True)
    report = list(header)
    python = ["--python", runtime] if runtime else []
    failures = [
        run_part(
            "(a) Orders on the embedded emulator",
            "devstack.bench.orders",
            ["--orders", str(args.orders)],
            report,
        ),
        run_part(
            "(b) Cold starts",
            "devstack.bench.cold_start",
            ["--rounds", str(args.rounds), *python],
            report,
        ),
        run_part(
            "(c) The local stack under load",
            "devstack.bench.load",
            [
                *("--rates", args.rates, "--duration", f"{args.duration:g}"),
                *("--port", str(args.port), "--locust", _shown(args.locust)),
                *("--plot", _shown(args.plot)),
            ],
            report,
        ),
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(report), encoding="utf-8")
    print(f"Report written to {_shown(REPORT)}", file=sys.stderr)
    return 1 if any(failures) else 0


if __name__ == "__main__":
    sys.exit(main())
