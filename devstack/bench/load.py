"""(c) The local stack under load: orders at a constant arrival rate, several rates in turn.

It deploys a private stack (``devstack.local_stack.deploy_local`` from the ``sam build``
packages, as the integration tests do) on its own MiniStack port (``--port``, 4610 by
default; it refuses a port where something already answers) and serves the local gateway on
a free port, both on 127.0.0.1 only, and stops both at the end. Stock is raised far above
what the run orders; a few orders first start the functions' workers (not counted). Then, for
each rate, locust (its own virtualenv, ``.tools/locust``; the user is
``devstack/bench/locustfile.py``) sends ``POST /orders`` with a unique orderId at that many
orders per second for ``--duration`` seconds, on a fixed schedule (the locustfile says how);
each order is one of the two placed shapes of :mod:`devstack.bench.orders`, at most £200, so
none waits for a reviewer. Everything an order starts behind the API runs too (fulfilment,
its child, the stream, the queues); before the next rate the run waits until no fulfilment
is still running.

Per rate it reports achieved throughput (orders answered 200 per second over the span they were
sent in: the run's duration, or longer when users waited for slow answers and sent late),
p50/p95/p99 latency over every request (locust's own timing, the client's view), and failures
(any answer but 200, or no answer) by kind; then the highest rate whose p95 stays under 1 s,
and whether it had no failure; and it saves a plot.

    python -m devstack.bench.load [--rates 2,4,8,12,16] [--duration 60] [--port 4610]
"""

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.config import Config

from devstack import local_stack, ministack
from devstack.bench.cold_start import BENCH_DIR
from devstack.bench.orders import SHAPES, order_request
from devstack.bench.tables import markdown_table, percentile
from devstack.local_gateway import GatewayConfig, LocalGateway, stage_variables
from devstack.package import read_package
from devstack.paths import REPO_ROOT
from devstack.provision import StackOutputs
from devstack.seed import load_catalogue

DEFAULT_PORT = 4610
DEFAULT_RATES = (2.0, 4.0, 8.0, 12.0, 16.0)
DEFAULT_DURATION_S = 60.0
DEFAULT_PLOT = REPO_ROOT / "docs" / "performance-load.png"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOCUST = REPO_ROOT / ".tools" / "locust" / "bin" / "locust"
LOAD_DIR = BENCH_DIR / "load"
INTERVAL_S = 5.0  # each locust user's interval between orders (the rate sets the user count)
P95_TARGET_MS = 1000.0
STOCK = 1_000_000_000
WARM_UP_ORDERS = 6
DRAIN_TIMEOUT_S = 180.0

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Sample:
    start: float  # epoch seconds
    ms: float
    status: int  # 0: no answer
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    @property
    def kind(self) -> str:
        return f"HTTP {self.status}" if self.status else (self.error or "no answer")


@dataclass
class RateResult:
    rate: float
    duration_s: float
    users: int
    sent: int
    succeeded: int
    throughput: float  # orders answered 200 per second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    failures: dict[str, int] = field(default_factory=dict)
    load_average: float | None = None  # 1-minute, when the rate started

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


def users_for(rate: float, duration_s: float) -> int:
    """Users sending every ``INTERVAL_S`` make the rate; never more than orders in the run."""
    return max(1, min(round(rate * INTERVAL_S), math.ceil(rate * duration_s)))


def read_samples(path: Path) -> list[Sample]:
    """The locustfile's JSON lines: one per request."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            samples.append(Sample(raw["start"], raw["ms"], int(raw["status"]), raw["error"]))
    return samples


def summarise(rate: float, duration_s: float, users: int, samples: Sequence[Sample]) -> RateResult:
    if not samples:
        raise ValueError(f"no request was sent at {rate:g}/s")
    latencies = [s.ms for s in samples]
    starts = [s.start for s in samples]
    # The span the orders were sent over: the run's duration while the stack keeps up, longer
    # when users wait for slow answers and send late.
    span = max(duration_s, max(starts) - min(starts) + 1 / rate)
    succeeded = sum(1 for s in samples if s.ok)
    return RateResult(
        rate=rate,
        duration_s=duration_s,
        users=users,
        sent=len(samples),
        succeeded=succeeded,
        throughput=succeeded / span,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies),
        failures=dict(Counter(s.kind for s in samples if not s.ok)),
    )


def best_rate(results: Sequence[RateResult]) -> RateResult | None:
    """The highest rate whose p95 latency is under the target (1 s)."""
    under = [r for r in results if r.p95_ms < P95_TARGET_MS]
    return max(under, key=lambda r: r.rate) if under else None


# --- the report and the plot ------------------------------------------------------------------


def render(results: Sequence[RateResult]) -> str:
    rows: list[list[object]] = []
    for r in results:
        failures = ", ".join(f"{n} {kind}" for kind, n in sorted(r.failures.items())) or "0"
        rows.append(
            [
                f"{r.rate:g}",
                r.users,
                r.sent,
                round(r.throughput, 2),
                round(r.p50_ms),
                round(r.p95_ms),
                round(r.p99_ms),
                round(r.max_ms),
                failures,
                "" if r.load_average is None else f"{r.load_average:.2f}",
            ]
        )
    header = ["offered /s", "users", "sent", "achieved /s", "p50 ms", "p95 ms", "p99 ms"]
    table = markdown_table([*header, "max ms", "failed", "load (1 min)"], rows)
    return "\n".join([table, "", verdict(results)])


def verdict(results: Sequence[RateResult]) -> str:
    best = best_rate(results)
    if best is None:
        return f"- no rate kept p95 under {P95_TARGET_MS / 1000:g} s: target not met"
    failures = (
        "no failed request: target met"
        if best.failed == 0
        else f"{best.failed} failed request(s): target not met"
    )
    return (
        f"- highest rate with p95 under {P95_TARGET_MS / 1000:g} s: **{best.rate:g} orders/s** "
        f"(p95 {best.p95_ms:.0f} ms, achieved {best.throughput:.2f}/s), {failures}"
    )


def plot(results: Sequence[RateResult], path: Path, title: str) -> Path:
    """Latency percentiles and achieved throughput against the offered rate, as a PNG."""
    import matplotlib  # noqa: PLC0415 - only the plot needs it

    matplotlib.use("Agg")
    from matplotlib import pyplot, ticker  # noqa: PLC0415

    rates = [r.rate for r in results]
    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(11, 4.5))
    for label, values in (
        ("p50", [r.p50_ms for r in results]),
        ("p95", [r.p95_ms for r in results]),
        ("p99", [r.p99_ms for r in results]),
    ):
        latency.plot(rates, values, marker="o", label=label)
    latency.axhline(P95_TARGET_MS, color="grey", linestyle="--", label="1 s (p95 target)")
    for r in results:
        if r.failed:
            latency.annotate(
                f"{r.failed} failed",
                (r.rate, r.p95_ms),
                textcoords="offset points",
                xytext=(4, 6),
                color="red",
            )
    latency.set(xlabel="offered orders/s", ylabel="latency ms (POST /orders)", yscale="log")
    latency.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    latency.yaxis.set_major_formatter(ticker.ScalarFormatter())
    latency.yaxis.set_minor_formatter(ticker.NullFormatter())
    latency.set_xlim(left=0)
    latency.margins(y=0.15)
    latency.legend()
    latency.grid(True, which="both", alpha=0.3)
    throughput.plot(
        rates, rates, linestyle="--", color="grey", linewidth=3, alpha=0.5, label="offered"
    )
    throughput.plot(rates, [r.throughput for r in results], marker="o", label="achieved (200s)")
    throughput.set(xlabel="offered orders/s", ylabel="orders/s")
    throughput.set_xlim(left=0)
    throughput.set_ylim(bottom=0)
    throughput.legend()
    throughput.grid(True, alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path


# --- the private stack and the runs -----------------------------------------------------------


@dataclass
class Target:
    url: str
    api_key: str
    outputs: StackOutputs
    clients: Callable[[str], Any]


@contextlib.contextmanager
def private_stack(port: int, progress: Progress = _quiet) -> Iterator[Target]:
    """Deploy on MiniStack at ``port`` and serve the gateway; stop both afterwards."""
    if ministack.is_running(port):
        raise RuntimeError(
            f"a MiniStack already answers on 127.0.0.1:{port}; the bench deploys from scratch "
            "(it would wipe that one): choose another --port"
        )
    try:
        outputs = local_stack.deploy_local(progress, port=port, function_package=read_package)
        clients = local_stack.client_factory(port)
        raise_stock(clients("dynamodb"), outputs.tables["inventory"])
        api_key = uuid.uuid4().hex
        # As `make deploy`'s gateway configures it (API Gateway does not retry), with a pool
        # large enough for the run's concurrent requests.
        sfn = Config(
            inject_host_prefix=False,
            read_timeout=35,
            retries={"max_attempts": 1},
            max_pool_connections=100,
        )
        gateway = LocalGateway(
            GatewayConfig(
                api_key=api_key,
                stage_variables=stage_variables(outputs),
                sfn=_client(port, "stepfunctions", sfn),
                dynamodb=clients("dynamodb"),
            ),
            port=0,
        ).start()
        try:
            yield Target(gateway.url, api_key, outputs, clients)
        finally:
            gateway.stop()
    finally:
        ministack.stop(port)


def _client(port: int, service: str, config: Config) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.session.Session(region_name=local_stack.REGION, **local_stack.CREDENTIALS).client(
        service, endpoint_url=ministack.endpoint_url(port), config=config
    )


def raise_stock(dynamodb: Any, table: str) -> None:
    for product in load_catalogue()["products"]:
        dynamodb.put_item(
            TableName=table,
            Item={"productId": {"S": product["productId"]}, "quantity": {"N": str(STOCK)}},
        )


def order_bodies() -> list[dict[str, Any]]:
    """The placed shapes of the orders bench, without their orderId."""
    prices = {p["productId"]: int(p["unitPrice"]) for p in load_catalogue()["products"]}
    bodies = []
    for shape in SHAPES:
        if shape.expected_status == 200:
            body = order_request(shape, prices, "")
            del body["orderId"]
            bodies.append(body)
    return bodies


def post_order(target: Target, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        target.url + "/orders",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "x-api-key": target.api_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def warm_up(target: Target, run: str) -> None:
    for number, body in zip(range(WARM_UP_ORDERS), order_bodies() * WARM_UP_ORDERS, strict=False):
        status = post_order(target, {**body, "orderId": f"{run}-warm-{number}"})
        if status != 200:
            raise RuntimeError(f"a warm-up order was answered {status}: the stack is not ready")


def wait_until_drained(target: Target, timeout_s: float = DRAIN_TIMEOUT_S) -> float:
    """Wait until no fulfilment execution runs; return the seconds waited."""
    sfn = target.clients("stepfunctions")
    machine = target.outputs.state_machines["order_fulfilment"]
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        running = sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")
        if not running["executions"]:
            break
        time.sleep(1.0)
    return time.monotonic() - started


def run_rate(
    target: Target, rate: float, duration_s: float, run: str, locust: Path = LOCUST
) -> RateResult:
    """One locust run at ``rate`` orders/s; its log and samples stay in ``.local/bench/load``."""
    LOAD_DIR.mkdir(parents=True, exist_ok=True)
    users = users_for(rate, duration_s)
    samples_file = LOAD_DIR / f"rate-{rate:g}.jsonl"
    samples_file.unlink(missing_ok=True)
    environment = {
        **os.environ,
        "BENCH_RATE": str(rate),
        "BENCH_DURATION": str(duration_s),
        "BENCH_USERS": str(users),
        "BENCH_API_KEY": target.api_key,
        "BENCH_RUN": f"{run}-r{rate:g}",
        "BENCH_ORDERS": json.dumps(order_bodies()),
        "BENCH_SAMPLES": str(samples_file),
    }
    command = [
        str(locust), "-f", str(LOCUSTFILE), "--headless", "--host", target.url,
        "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{math.ceil(duration_s) + 3}s", "--stop-timeout", "60",
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    load_average = os.getloadavg()[0]
    with (LOAD_DIR / f"rate-{rate:g}.log").open("w", encoding="utf-8") as log:
        subprocess.run(command, env=environment, stdout=log, stderr=subprocess.STDOUT, check=False)
    if not samples_file.exists():
        raise RuntimeError(
            f"locust wrote no samples at {rate:g}/s: see {LOAD_DIR}/rate-{rate:g}.log"
        )
    result = summarise(rate, duration_s, users, read_samples(samples_file))
    result.load_average = load_average
    return result


def measure(
    rates: Sequence[float],
    duration_s: float,
    port: int = DEFAULT_PORT,
    locust: Path = LOCUST,
    progress: Progress = _quiet,
) -> list[RateResult]:
    if not locust.exists():
        raise FileNotFoundError(f"{locust} is missing: `make bench` installs locust there")
    run = f"bench-{uuid.uuid4().hex[:8]}"
    results = []
    with private_stack(port, progress) as target:
        progress(f"stack deployed on 127.0.0.1:{port}, gateway {target.url}; warming up")
        warm_up(target, run)
        for rate in rates:
            waited = wait_until_drained(target)
            progress(f"{rate:g} orders/s for {duration_s:g} s (drained in {waited:.0f} s)")
            result = run_rate(target, rate, duration_s, run, locust)
            progress(
                f"  achieved {result.throughput:.2f}/s, p95 {result.p95_ms:.0f} ms, "
                f"{result.failed} failed"
            )
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default=",".join(f"{r:g}" for r in DEFAULT_RATES))
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION_S, help="seconds")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the private MiniStack's")
    parser.add_argument("--locust", type=Path, default=LOCUST)
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    args = parser.parse_args(argv)
    rates = sorted(float(r) for r in args.rates.split(",") if r.strip())

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    results = measure(rates, args.duration, args.port, args.locust, progress)
    print(render(results))
    one, five, _ = os.getloadavg()
    title = (
        f"Local stack (MiniStack) under load: {args.duration:g} s per rate, "
        f"{os.cpu_count()} CPUs, load average {one:.2f} / {five:.2f} at the end"
    )
    shown = plot(results, args.plot, title)
    print(f"\nPlot: {shown.relative_to(REPO_ROOT) if shown.is_relative_to(REPO_ROOT) else shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
