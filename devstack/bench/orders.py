"""(a) Orders on the embedded emulator: time, state transitions and Lambda invocations each.

Runs ``--orders`` orders (default 50) through the real order workflow and handlers on moto in
this process (:mod:`devstack.embedded_stack`), cycling through a few shapes: one item paid by
card, three items (a Map of three reservations), a declined card (compensation), an item out
of stock (nothing charged). Before each order the catalogue and stock are seeded again, so
every order of a shape meets the same state; one order of each shape runs first to load the
handlers (their cold start, which :mod:`devstack.bench.cold_start` measures) and is not counted.
Fulfilment's rule is off while measuring, as in ``make cost``'s timings, so each order's time
is the order workflow's alone.

Time is the execution's own, from its start to its stop as the emulator records them; the
counts come from its history (:class:`devstack.executions.ExecutionResult`, the same counting
``make cost`` prices). The whole path behind an order (fulfilment, events, queues) is priced
by ``make cost``.

    python -m devstack.bench.orders [--orders 50]
"""

import argparse
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstack.bench.tables import markdown_table, median, percentile
from devstack.cost_measure import FULFILMENT_RULE
from devstack.demo import QUIET_FUNCTIONS
from devstack.embedded import EmbeddedAws
from devstack.embedded_stack import EmbeddedStack
from devstack.provision import provision
from devstack.seed import load_catalogue


@dataclass(frozen=True)
class Shape:
    name: str
    lines: tuple[tuple[str, int], ...]  # (productId, quantity)
    processor: str
    token: str
    expected_status: int  # what the API answers for it


SHAPES = (
    Shape("one item, card", (("MUG-LAMBDA", 1),), "stripe", "tok_visa", 200),
    Shape(
        "three items (Map of 3)",
        (("BOOK-ASL-101", 1), ("MUG-LAMBDA", 2), ("STICKERS-10", 3)),
        "applepay",
        "tok_visa",
        200,
    ),
    Shape(
        "card declined",
        (("KEYBOARD-60", 1),),
        "paypal",
        "tok_decline_insufficient_funds",
        402,
    ),
    Shape(
        "out of stock",
        (("MUG-LAMBDA", 1), ("POSTER-LIMITED", 5)),
        "stripe",
        "tok_visa",
        409,
    ),
)


def order_request(shape: Shape, prices: dict[str, int], order_id: str) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "customer": {"customerId": "cust-bench", "email": "bench@example.com"},
        "items": [{"productId": p, "quantity": q, "unitPrice": prices[p]} for p, q in shape.lines],
        "payment": {"processor": shape.processor, "token": shape.token},
        "currency": "GBP",
    }


@dataclass
class ShapeResult:
    shape: Shape
    durations_ms: list[float] = field(default_factory=list)
    transitions: list[int] = field(default_factory=list)
    lambda_invocations: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@dataclass
class OrdersReport:
    orders: int
    shapes: list[ShapeResult]

    @property
    def durations_ms(self) -> list[float]:
        return [d for s in self.shapes for d in s.durations_ms]

    @property
    def transitions(self) -> list[int]:
        return [t for s in self.shapes for t in s.transitions]

    @property
    def lambda_invocations(self) -> list[int]:
        return [n for s in self.shapes for n in s.lambda_invocations]


def measure_on(
    stack: EmbeddedStack, orders: int = 50, progress: Callable[[str], None] = lambda _: None
) -> OrdersReport:
    """Place ``orders`` orders on a provisioned stack; fulfilment's rule is left off."""
    prices = {p["productId"]: int(p["unitPrice"]) for p in load_catalogue()["products"]}
    stack.set_rule_enabled(FULFILMENT_RULE, False)
    results = [ShapeResult(shape) for shape in SHAPES]
    run = uuid.uuid4().hex[:8]
    for shape in SHAPES:  # cold starts: not counted
        stack.seed()
        stack.place_order(order_request(shape, prices, f"bench-{run}-warm-{SHAPES.index(shape)}"))
    progress(f"placing {orders} orders of {len(SHAPES)} shapes")
    for number in range(orders):
        result = results[number % len(SHAPES)]
        stack.seed()
        placed = stack.place_order(order_request(result.shape, prices, f"bench-{run}-{number}"))
        result.durations_ms.append(placed.duration_ms)
        result.transitions.append(placed.transitions)
        result.lambda_invocations.append(placed.lambda_invocations)
        result.statuses.append(int((placed.output or {}).get("statusCode", 0)))
    return OrdersReport(orders, [r for r in results if r.durations_ms])


def measure(orders: int = 50, progress: Callable[[str], None] = lambda _: None) -> OrdersReport:
    """Provision the stack on a fresh embedded emulator and measure."""
    with EmbeddedAws(lambda_overrides=QUIET_FUNCTIONS) as aws:
        stack = EmbeddedStack(aws, provision(aws.client, aws.region))
        return measure_on(stack, orders, progress)


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def render(report: OrdersReport) -> str:
    rows: list[list[object]] = []
    for result in report.shapes:
        statuses = sorted(set(result.statuses))
        rows.append(
            [
                result.shape.name,
                len(result.durations_ms),
                "/".join(str(s) for s in statuses),
                round(median(result.durations_ms)),
                round(percentile(result.durations_ms, 95)),
                _spread(result.transitions),
                _spread(result.lambda_invocations),
            ]
        )
    rows.append(
        [
            "**all orders**",
            report.orders,
            "",
            round(median(report.durations_ms)),
            round(percentile(report.durations_ms, 95)),
            f"median {median(report.transitions):g}",
            f"median {median(report.lambda_invocations):g}",
        ]
    )
    header = ["shape", "orders", "HTTP status", "median ms", "p95 ms", "transitions"]
    return markdown_table([*header, "Lambda invocations"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50)
    args = parser.parse_args(argv)
    report = measure(args.orders, lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
