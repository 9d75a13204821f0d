"""``make demo``: sample orders through the real workflows on the embedded emulator.

For each order it prints the outcome the API would return, a timeline of the states the
execution passed through with their durations, and what the order cost in Lambda
invocations and state transitions. Then what runs behind them: fulfilment with an approval,
and an inventory import (``devstack.demo_behind``). Nothing leaves this process: no Docker,
no AWS account.
"""

import argparse
import json
import sys
import time
from typing import Any

from devstack.demo_behind import show_fulfilment, show_import
from devstack.embedded import EmbeddedAws
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import ExecutionResult
from devstack.paths import SAMPLE_ORDERS_FILE
from devstack.provision import provision

QUIET_FUNCTIONS = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}


def pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def outcome_line(result: dict[str, Any]) -> str:
    body = result["body"]
    line = f"{result['statusCode']} {body['status']}"
    if "total" in body:
        line += f"  total {pounds(body['total'])}  payment {body['paymentId']}"
    if "error" in body:
        line += f"  {body['error']['type']}: {body['error']['message']}"
    return line


def print_run(number: int, title: str, run: ExecutionResult) -> None:
    print(f"\n{number}. {title}")
    print(f"   -> {outcome_line(run.output or {})}" if run.output else f"   -> {run.status}")
    print("   timeline (ms from start, duration, state):")
    visits = run.visits
    origin = visits[0].entered if visits else run.started
    for visit in visits:
        offset = (visit.entered - origin).total_seconds() * 1000
        failures = f"  failed: {', '.join(visit.failures)}" if visit.failures else ""
        timing = f"{offset:8.0f} {visit.duration_ms:6.0f}"
        print(f"   {timing}  {visit.state_type:<8} {visit.name}{failures}")
    print(
        f"   {run.lambda_invocations} Lambda invocation(s), {run.transitions} state transitions, "
        f"{run.duration_ms:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="show the functions' own logs")
    args = parser.parse_args(argv)
    samples = json.loads(SAMPLE_ORDERS_FILE.read_text(encoding="utf-8"))

    print("Starting the embedded emulator (moto, in this process) ...", flush=True)
    with EmbeddedAws(lambda_overrides=None if args.verbose else QUIET_FUNCTIONS) as aws:
        started = time.perf_counter()
        outputs = provision(
            aws.client, aws.region, progress=lambda m: print(f"  + {m}", flush=True)
        )
        stack = EmbeddedStack(aws, outputs)
        products = stack.seed()
        print(
            f"Provisioned and seeded {products} products in {time.perf_counter() - started:.1f} s."
        )
        stock_before = stack.stock_levels()
        for number, sample in enumerate(samples, start=1):
            print_run(number, sample["title"], stack.place_order(sample["order"]))
        stock_after = stack.stock_levels()
        placed = stack.scan("orders")
        print("\nStock that changed:")
        for product, before in sorted(stock_before.items()):
            if stock_after[product] != before:
                print(f"   {product:<16} {before:>4} -> {stock_after[product]:>4}")
        print(f"Orders saved: {len(placed)} (a repeated orderId is placed once)")
        show_fulfilment(stack, samples[0]["order"]["orderId"])
        show_import(stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
