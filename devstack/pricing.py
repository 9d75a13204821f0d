"""Prices and the billing rules that turn usage into dollars, for ``make cost``.

The figures live in one file, ``devstack/data/prices.json``, per region, each with its AWS
pricing page. A region that file does not list is refused with :class:`UnknownRegion`:
prices are never borrowed from another region under that region's label.

Billing rules applied here (on-demand, no free tier):

- Step Functions Standard: per state transition.
- Step Functions Express: per execution, plus GB-seconds with memory billed in 64 MB steps
  and duration rounded up to the next 100 ms.
- Lambda: per request, plus GB-seconds of the configured memory, duration rounded up to 1 ms.
"""

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from devstack.paths import DATA_DIR

PRICES_FILE = DATA_DIR / "prices.json"
DEFAULT_REGION = "us-east-1"  # the region of the seeds' figures, so the comparison holds
EXPRESS_MEMORY_STEP_MB = 64
EXPRESS_DURATION_STEP_MS = 100
LAMBDA_DURATION_STEP_MS = 1
MB_PER_GB = 1024


class UnknownRegion(LookupError):
    pass


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    per: int
    unit: str
    source: str
    checked: str

    @property
    def each(self) -> float:
        return self.usd / self.per

    def describe(self) -> str:
        digits = f"{self.usd:.10f}".rstrip("0")
        whole, _, fraction = digits.partition(".")
        usd = f"{whole}.{fraction.ljust(2, '0')}"
        per = "" if self.per == 1 else f" {self.per:,}"
        return f"${usd} per{per} {self.unit}"


@dataclass(frozen=True)
class PriceBook:
    region: str
    label: str
    currency: str
    as_of: str
    path: Path
    prices: Mapping[str, Price]

    def __getitem__(self, key: str) -> float:
        """The price of one unit."""
        return self.prices[key].each


def load_prices(region: str = DEFAULT_REGION, path: Path = PRICES_FILE) -> PriceBook:
    document = json.loads(path.read_text(encoding="utf-8"))
    regions = document.get("regions", {})
    if region not in regions:
        known = ", ".join(sorted(regions)) or "none"
        raise UnknownRegion(
            f"no prices for {region} in {path} (it holds: {known}). Prices differ by region "
            "and are never borrowed from another one: add the region's figures, each with "
            "its AWS pricing page, to that file, or pass --prices FILE."
        )
    entry = regions[region]
    return PriceBook(
        region=region,
        label=entry["label"],
        currency=entry["currency"],
        as_of=entry["as_of"],
        path=path,
        prices={
            key: Price(key, float(p["usd"]), int(p["per"]), p["unit"], p["source"], p["checked"])
            for key, p in entry["prices"].items()
        },
    )


def billed(value: float, step: float) -> float:
    """``value`` rounded up to a whole number of ``step`` (at least one step)."""
    return max(1, math.ceil(round(value / step, 9))) * step


@dataclass(frozen=True)
class Line:
    """One line of a bill."""

    service: str
    item: str
    quantity: float
    unit: str
    usd: float


def _pay_per_use(
    service: str, item: str, count: float, unit: str, count_price: float, duration: Line
) -> list[Line]:
    return [Line(service, f"{item} {unit}", count, unit, count * count_price), duration]


def _duration(
    service: str, item: str, gb_seconds: float, ms: float, mb: float, price: float
) -> Line:
    text = f"{item} duration ({ms:.0f} ms billed, {mb:.0f} MB)"
    return Line(service, text, gb_seconds, "GB-s", gb_seconds * price)


def express_lines(
    item: str, executions: float, duration_ms: float, memory_mb: float, book: PriceBook
) -> list[Line]:
    service = "Step Functions Express"
    ms = billed(duration_ms, EXPRESS_DURATION_STEP_MS)
    mb = billed(memory_mb, EXPRESS_MEMORY_STEP_MB)
    gb_seconds = executions * ms / 1000 * mb / MB_PER_GB
    duration = _duration(service, item, gb_seconds, ms, mb, book["stepfunctions_express_gb_second"])
    request = book["stepfunctions_express_request"]
    return _pay_per_use(service, item, executions, "executions", request, duration)


def lambda_lines(
    item: str, invocations: float, duration_ms: float, memory_mb: float, book: PriceBook
) -> list[Line]:
    ms = billed(duration_ms, LAMBDA_DURATION_STEP_MS)
    gb_seconds = invocations * ms / 1000 * memory_mb / MB_PER_GB
    duration = _duration("Lambda", item, gb_seconds, ms, memory_mb, book["lambda_arm64_gb_second"])
    return _pay_per_use("Lambda", item, invocations, "requests", book["lambda_request"], duration)


def standard_line(item: str, transitions: float, book: PriceBook) -> Line:
    usd = transitions * book["stepfunctions_standard_transition"]
    return Line("Step Functions Standard", item, transitions, "transitions", usd)


@dataclass(frozen=True)
class OrderPath:
    """Order placement as the seeds scope it: API Gateway REST -> Express -> Lambda."""

    express_ms: float
    express_mb: float
    lambdas: tuple[tuple[str, float, float], ...]  # (name, duration ms, memory MB) per call


# The seeds' assumptions: Express 3 s at 64 MB, five Lambda invocations of 500 ms at 128 MB.
SEEDS_EXPRESS_MS, SEEDS_EXPRESS_MB = 3000.0, 64.0
SEEDS_LAMBDA_MS, SEEDS_LAMBDA_MB = 500.0, 128.0
SEEDS_LAMBDA_INVOCATIONS = 5
SEEDS_FIGURE_USD = 12.80  # their bill for one million orders


def seeds_path(lambda_invocations: int) -> OrderPath:
    """The seeds' assumptions, with ``lambda_invocations`` Lambda calls per order."""
    lambdas = (("Lambda", SEEDS_LAMBDA_MS, SEEDS_LAMBDA_MB),) * lambda_invocations
    return OrderPath(SEEDS_EXPRESS_MS, SEEDS_EXPRESS_MB, lambdas)


def order_path_lines(orders: float, path: OrderPath, book: PriceBook) -> list[Line]:
    lines = [
        Line(
            "API Gateway",
            "REST requests (POST /orders)",
            orders,
            "requests",
            orders * book["apigateway_rest_request"],
        ),
        *express_lines("order_processing", orders, path.express_ms, path.express_mb, book),
    ]
    calls = len(path.lambdas)
    if len({(ms, mb) for _, ms, mb in path.lambdas}) == 1:  # all alike: one pair of lines
        _, ms, mb = path.lambdas[0]
        return lines + lambda_lines(f"{calls} per order,", orders * calls, ms, mb, book)
    for name, ms, mb in path.lambdas:
        lines += lambda_lines(name, orders, ms, mb, book)
    return lines


def total(lines: Iterable[Line]) -> float:
    return sum(line.usd for line in lines)


def total_of_cents(lines: Iterable[Line]) -> float:
    """The sum of the lines each rounded to the cent, as a bill shows them."""
    cents = Decimal("0.01")
    return float(sum(Decimal(str(line.usd)).quantize(cents, ROUND_HALF_UP) for line in lines))
