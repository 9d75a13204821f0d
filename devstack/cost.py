"""``make cost``: the monthly AWS bill for a traffic profile, from measured runs.

It runs an order of each kind and two imports through the real workflows on the embedded
emulator and counts what they use (:mod:`devstack.cost_measure`): state transitions, Lambda
invocations, DynamoDB request units, SNS publishes, SQS requests, EventBridge events and S3
requests. It scales those counts to the profile and prices them with the region's figures
(:mod:`devstack.pricing`, ``devstack/data/prices.json``). It prints:

- (a) order placement under the seeds' assumptions (API Gateway REST, Express at 3 s and
  64 MB, each Lambda 500 ms at 128 MB on arm64) for the seeds' five Lambda invocations and for
  this design's measured count, against the $10 target;
- (b) the same path with this design's measured durations and declared memory sizes;
- the whole month for the profile, service by service, the seeds' scope apart;
- Express against Standard for the order workflow.

Usage: ``make cost [ORDERS=1000000] [SHARE=0.05] [IMPORTS=1] [ROWS=10000] [REGION=us-east-1]``.
"""

import argparse
import math
import os
import platform
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.cost_measure import ORDER_PATH_EVENTS, Measurement, Run, measure
from devstack.paths import REPO_ROOT
from devstack.pricing import (
    DEFAULT_REGION,
    EXPRESS_DURATION_STEP_MS,
    LAMBDA_DURATION_STEP_MS,
    MB_PER_GB,
    PRICES_FILE,
    SEEDS_FIGURE_USD,
    SEEDS_LAMBDA_INVOCATIONS,
    Line,
    OrderPath,
    PriceBook,
    UnknownRegion,
    billed,
    express_lines,
    lambda_lines,
    load_prices,
    order_path_lines,
    seeds_path,
    standard_line,
    total,
    total_of_cents,
)
from devstack.stack import FUNCTIONS, QUEUES, STATE_MACHINES, Naming, function_named

TARGET_USD = 10.0  # per million orders, the seeds' scope
PER_MILLION = 1_000_000
DAYS_PER_MONTH = 30
CHUNK_ROWS = 1000  # rows per Map iteration (lambdas/inventory_extract/logic.py)
EXPRESS_MEMORY_MB = 64.0  # the smallest Express memory step; these executions use far less
ORDER_PATH = tuple(ORDER_PATH_EVENTS)  # the Lambdas the order workflow calls when it succeeds
# Lambda's SQS pollers long-poll each consumed queue even when it is empty (assumed: five
# connections, 20 s receives), and each message received is deleted again.
IDLE_POLLERS, LONG_POLL_S = 5, 20
ESM_QUEUES = {Naming().name(f.consumes_queue) for f in FUNCTIONS if f.consumes_queue}
# The stack's own queues; a test's observer queue is not part of the bill.
STACK_QUEUES = {Naming().name(k) for q in QUEUES for k in (q.key, q.dlq_key)}
S3_PUT_CLASS = {
    "PutObject",
    "CopyObject",
    "PostObject",
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
}
S3_FREE = {"DeleteObject", "DeleteObjects"}
# Step Functions API calls (its .sync polling, SendTaskSuccess) are not billed per request;
# Lambda is billed per invocation, counted where the functions run.
NOT_PER_REQUEST = {"sfn", "lambda"}
EXPRESS = {m.key for m in STATE_MACHINES if m.type == "EXPRESS"}

Quantities = defaultdict[str, float]  # billed units by kind, e.g. 'lambda:notifier'


@dataclass(frozen=True)
class Profile:
    orders_per_month: int
    share_above_200: float
    imports_per_day: float
    rows_per_import: int

    @property
    def imports_per_month(self) -> float:
        return self.imports_per_day * DAYS_PER_MONTH


def billable(run: Run, largest_item_bytes: Mapping[str, int]) -> Quantities:
    """The billed units one run used."""
    q: Quantities = defaultdict(float)
    for execution in run.executions:
        if execution.machine in EXPRESS:
            q[f"express:{execution.machine}"] += 1
        else:
            q[f"standard:{execution.machine}"] += execution.transitions
    for function, count in run.invocations.items():
        q[f"lambda:{function}"] += count
    usage = run.usage
    for request in usage.dynamodb:
        kind = "dynamodb:write units" if request.write else "dynamodb:read units"
        q[kind] += request.units(largest_item_bytes.get(request.table, 0))
    q["sns:publishes"] += usage.count("sns", "Publish")
    messages = {name: n for name, n in usage.sqs_messages.items() if name in STACK_QUEUES}
    q["sqs:requests"] += sum(messages.values())  # one send per message
    q["sqs:requests"] += 2 * sum(n for name, n in messages.items() if name in ESM_QUEUES)
    q["eventbridge:custom events"] += usage.custom_events
    q["eventbridge:S3 events"] += usage.s3_events_to_eventbridge
    for (service, operation), count in usage.calls.items():
        if service == "sqs":
            q["sqs:requests"] += count  # the reviewer's receive, delete, visibility
        elif service == "s3" and operation not in S3_FREE:
            q["s3:PUT-class" if operation in S3_PUT_CLASS else "s3:GET-class"] += count
    return q


def unpriced(runs: Iterable[Run]) -> list[str]:
    """Requests seen that this estimate does not price (none are expected)."""
    priced = {"dynamodb", "sns", "sqs", "s3", "eventbridge", *NOT_PER_REQUEST}
    found = set()
    for run in runs:
        found |= {f"{s}:{o}" for (s, o) in run.usage.calls if s not in priced}
        found |= {f"dynamodb:{o}" for o in run.usage.unpriced_dynamodb}
    return sorted(found)


def _add(into: Quantities, q: Mapping[str, float], factor: float = 1.0) -> Quantities:
    for kind, value in q.items():
        into[kind] += value * factor
    return into


def import_quantities(measurement: Measurement, rows: int) -> Quantities:
    """One import of ``rows`` rows: what the import itself costs plus each chunk's share.

    Two sizes were measured a whole number of chunks apart; their difference is the cost of
    those chunks, the rest is the import's own. Exact for whole chunks; within one chunk's
    worth for a partial last chunk.
    """
    (small, small_run), (large, large_run) = sorted(measurement.imports.items())
    largest = measurement.largest_item_bytes
    q_small, q_large = billable(small_run, largest), billable(large_run, largest)
    chunks_apart = (large - small) / CHUNK_ROWS
    per_chunk = {k: (q_large[k] - q_small[k]) / chunks_apart for k in q_small | q_large}
    one = {k: q_small[k] + per_chunk[k] * (rows - small) / CHUNK_ROWS for k in per_chunk}
    return _add(defaultdict(float), {k: v for k, v in one.items() if abs(v) > 1e-9})


def monthly_quantities(measurement: Measurement, profile: Profile) -> Quantities:
    largest = measurement.largest_item_bytes
    high = profile.orders_per_month * profile.share_above_200
    low = profile.orders_per_month - high
    month: Quantities = defaultdict(float, {"apigateway:requests": profile.orders_per_month})
    _add(month, billable(measurement.low_value_order, largest), low)
    _add(month, billable(measurement.high_value_order, largest), high)
    imports = import_quantities(measurement, profile.rows_per_import)
    _add(month, imports, profile.imports_per_month)
    return month


def order_lambda_calls(measurement: Measurement) -> int:
    """Lambda tasks in the order workflow's execution (retries included), as measured."""
    runs = (measurement.low_value_order, measurement.high_value_order)
    counts = {
        e.lambda_tasks for run in runs for e in run.executions if e.machine == "order_processing"
    }
    return max(counts)


def lambda_ms(measurement: Measurement, function: str) -> float:
    """The duration a function is billed with: its sample-event median on the order path,
    else its median over the measured runs."""
    if function in measurement.handler_ms:
        return measurement.handler_ms[function]
    return measurement.invocation_ms[function]


@dataclass(frozen=True)
class Row:
    group: str  # "seeds" (the seeds' scope), "design" (the rest of it), "other" services
    service: str
    item: str
    quantity: float
    unit: str
    usd: float


def _row(group: str, lines: list[Line], item: str, quantity: float, unit: str) -> Row:
    return Row(group, lines[0].service, item, quantity, unit, total(lines))


def monthly_bill(measurement: Measurement, month: Quantities, book: PriceBook) -> list[Row]:
    rows = [
        Row(
            "seeds",
            "API Gateway",
            "REST requests (POST /orders)",
            month["apigateway:requests"],
            "requests",
            month["apigateway:requests"] * book["apigateway_rest_request"],
        ),
    ]
    for key in sorted(k for k in month if k.startswith("express:")):
        machine = key.partition(":")[2]
        ms = measurement.express_ms[machine]
        lines = express_lines(machine, month[key], ms, EXPRESS_MEMORY_MB, book)
        unit = f"executions, {billed(ms, EXPRESS_DURATION_STEP_MS):.0f} ms billed at 64 MB"
        group = "seeds" if machine == "order_processing" else "design"
        rows.append(_row(group, lines, machine, month[key], unit))
    for key in sorted(k for k in month if k.startswith("standard:")):
        machine = key.partition(":")[2]
        line = standard_line(machine, month[key], book)
        rows.append(_row("design", [line], machine, month[key], "transitions"))
    for key in sorted(k for k in month if k.startswith("lambda:")):
        function = key.partition(":")[2]
        ms, mb = lambda_ms(measurement, function), function_named(function).memory_mb
        lines = lambda_lines(function, month[key], ms, mb, book)
        group = "seeds" if function in ORDER_PATH else "design"
        unit = f"invocations, {billed(ms, LAMBDA_DURATION_STEP_MS):.0f} ms billed at {mb} MB"
        rows.append(_row(group, lines, function, month[key], unit))
    prices = {
        "dynamodb:write units": ("DynamoDB", "dynamodb_write_request_unit", "write request units"),
        "dynamodb:read units": ("DynamoDB", "dynamodb_read_request_unit", "read request units"),
        "sns:publishes": ("SNS", "sns_publish", "publishes (deliveries to SQS free)"),
        "sqs:requests": ("SQS", "sqs_request", "requests: sends, pollers' receives and deletes"),
        "eventbridge:custom events": ("EventBridge", "eventbridge_custom_event", "custom events"),
        "eventbridge:S3 events": ("EventBridge", "eventbridge_s3_event", "S3 object events"),
        "s3:PUT-class": ("S3", "s3_put_request", "PUT/COPY/LIST requests"),
        "s3:GET-class": ("S3", "s3_get_request", "GET requests"),
    }
    for key, (service, price, unit) in prices.items():
        if month[key]:
            rows.append(
                Row(
                    "other",
                    service,
                    key.partition(":")[2],
                    month[key],
                    unit,
                    month[key] * book[price],
                )
            )
    idle = len(ESM_QUEUES) * IDLE_POLLERS * DAYS_PER_MONTH * 24 * 3600 / LONG_POLL_S
    rows.append(
        Row(
            "other",
            "SQS",
            "idle long polls (derived)",
            idle,
            f"empty receives: {len(ESM_QUEUES)} queues x {IDLE_POLLERS} pollers",
            idle * book["sqs_request"],
        )
    )
    return rows


# --- printing -------------------------------------------------------------------------------

Out = Callable[[str], None]


def _money(usd: float) -> str:
    if 0 < usd < 0.00005:
        return "<$0.0001"
    return f"${usd:,.2f}" if usd >= 0.01 or usd == 0 else f"${usd:,.4f}"


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}"


def print_lines(lines: list[Line], out: Out) -> None:
    for line in lines:
        text = f"{line.service}: {line.item}"
        out(f"    {text:<72} {_quantity(line.quantity):>10} {line.unit:<11} {_money(line.usd):>7}")


def print_totals(lines: list[Line], out: Out, target: bool = False) -> None:
    exact, cents = total(lines), total_of_cents(lines)
    text = f"    total {_money(exact)} ({_money(cents)} with each line rounded to the cent)"
    if target:
        verdict = "met" if exact <= TARGET_USD else "NOT met"
        text += f"; target at most {_money(TARGET_USD)}: {verdict}"
    out(text)


def print_machine(out: Out) -> None:
    cpu = platform.processor() or "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in info.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    out(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def print_load(when: str, out: Out) -> None:
    one, five, fifteen = os.getloadavg()
    out(
        f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} (in-process durations "
        "stretch when other work shares the CPUs)"
    )


def _per_run(run: Run, largest: Mapping[str, int]) -> list[str]:
    q = billable(run, largest)
    executions = ", ".join(
        f"{e.machine} {e.transitions} ({'Express' if e.machine in EXPRESS else 'Standard'})"
        for e in run.executions
    )
    functions = ", ".join(f"{f} {n}" for f, n in sorted(run.invocations.items()))
    messages = sum(n for name, n in run.usage.sqs_messages.items() if name in STACK_QUEUES)
    return [
        f"state transitions: {executions}",
        f"Lambda invocations: {functions}",
        f"DynamoDB {q['dynamodb:write units']:g} write and {q['dynamodb:read units']:g} read "
        f"units; SNS {q['sns:publishes']:g} publishes; SQS {messages} messages, "
        f"{q['sqs:requests']:g} requests",
        f"EventBridge {q['eventbridge:custom events']:g} custom and "
        f"{q['eventbridge:S3 events']:g} S3 events; S3 {q['s3:PUT-class']:g} PUT and "
        f"{q['s3:GET-class']:g} GET requests",
    ]


def print_measurement(m: Measurement, out: Out) -> None:
    largest = m.largest_item_bytes
    out(f"Measured on the embedded emulator (moto, in this process) in {m.seconds:.1f} s:")
    for run in (m.low_value_order, m.high_value_order, *m.imports.values()):
        out(f"  per {run.name}:")
        for line in _per_run(run, largest):
            out(f"      {line}")
    table, size = max(largest.items(), key=lambda item: item[1])
    out(
        f"  largest item stored: {size} bytes ({table}); a write bills a unit per started KB "
        "(twice in a transaction), a read a unit per started 4 KB (half if eventually "
        "consistent)"
    )
    history = sum(e.history_bytes for e in m.low_value_order.executions)
    out(
        f"  execution histories per order of £200 or less: {history / 1024:.0f} KiB, what "
        "logging level ALL with execution data sends to CloudWatch Logs (not priced here)"
    )


def print_figure_a(m: Measurement, book: PriceBook, out: Out) -> float:
    calls = order_lambda_calls(m)
    out("\n(a) Order placement under the seeds' assumptions, per 1,000,000 orders")
    out(
        "    assumptions: one API Gateway REST request per order; Express 3 s at 64 MB; each "
        "Lambda invocation 500 ms at 128 MB on arm64; other services listed separately"
    )
    seeds = order_path_lines(PER_MILLION, seeds_path(SEEDS_LAMBDA_INVOCATIONS), book)
    out(
        f"  the seeds' design, {SEEDS_LAMBDA_INVOCATIONS} Lambda invocations per order "
        f"(their figure: {_money(SEEDS_FIGURE_USD)}):"
    )
    print_lines(seeds, out)
    print_totals(seeds, out)
    ours = order_path_lines(PER_MILLION, seeds_path(calls), book)
    out(
        f"  this design, {calls} Lambda invocations per order, as measured: the order "
        "workflow calls ValidateOrder and ProcessPayment; it reserves and saves through "
        "direct DynamoDB integrations:"
    )
    print_lines(ours, out)
    print_totals(ours, out, target=True)
    low = m.low_value_order
    every = sum(low.invocations.values())
    each = ", ".join(f"{f} {n}" for f, n in sorted(low.invocations.items()))
    broader = order_path_lines(PER_MILLION, seeds_path(every), book)
    out(
        f"  outside the seeds' scope, for comparison: every Lambda invocation an order of £200 "
        f"or less causes, placed and fulfilled ({every}: {each}), at the seeds' 500 ms and "
        f"128 MB each: total {_money(total(broader))}"
    )
    return total(ours)


def _measured_path(m: Measurement) -> OrderPath:
    lambdas = tuple((f, m.handler_ms[f], float(function_named(f).memory_mb)) for f in ORDER_PATH)
    return OrderPath(m.express_ms["order_processing"], EXPRESS_MEMORY_MB, lambdas)


def _headroom(m: Measurement, book: PriceBook) -> tuple[float, float]:
    """How long Express, then each order-path Lambda, may bill before (b) passes the target."""
    path = _measured_path(m)
    lines = order_path_lines(PER_MILLION, path, book)
    express_gb_s = [ln for ln in lines if ln.unit == "GB-s" and ln.service != "Lambda"]
    rest = total(lines) - total(express_gb_s)
    express_gb_s_per_ms = EXPRESS_MEMORY_MB / MB_PER_GB / 1000
    per_ms = PER_MILLION * express_gb_s_per_ms * book["stepfunctions_express_gb_second"]
    express_ms = math.floor((TARGET_USD - rest) / per_ms / 100) * 100
    lambda_gb_s = [ln for ln in lines if ln.unit == "GB-s" and ln.service == "Lambda"]
    rest = total(lines) - total(lambda_gb_s)
    per_ms = sum(
        PER_MILLION * mb / MB_PER_GB / 1000 * book["lambda_arm64_gb_second"]
        for _, _, mb in path.lambdas
    )
    return express_ms, math.floor((TARGET_USD - rest) / per_ms)


def print_figure_b(m: Measurement, book: PriceBook, out: Out) -> float:
    out("\n(b) Order placement with this design's durations, per 1,000,000 orders")
    out(
        f"    Express: {m.express_ms['order_processing']:.0f} ms, the median of {m.samples} "
        "order executions in-process, at 64 MB (the smallest step; an execution's own state "
        "is kilobytes)"
    )
    for function, event in ORDER_PATH_EVENTS.items():
        memory = function_named(function).memory_mb
        out(
            f"    {function}: {m.handler_ms[function]:.1f} ms, the median of {m.samples} warm "
            f"in-process runs on sam/events/{event}, at its {memory} MB (devstack/stack.py)"
        )
    lines = order_path_lines(PER_MILLION, _measured_path(m), book)
    print_lines(lines, out)
    print_totals(lines, out, target=True)
    express_ms, lambda_ms_max = _headroom(m, book)
    out(
        f"    headroom: the total stays within {_money(TARGET_USD)} while Express bills up to "
        f"{express_ms:,.0f} ms (Lambdas as measured), or each Lambda up to "
        f"{lambda_ms_max:,.0f} ms (Express as measured)"
    )
    out(
        "    how representative: in-process, the handlers' DynamoDB calls reach moto in this "
        "process with no network, and nothing starts cold (the first run is left out). On AWS "
        "each DynamoDB request adds a few milliseconds of network (DynamoDB answers in single "
        "digits), a cold start bills its init phase, and an Express execution waits for the "
        "round trips of its Lambda and DynamoDB tasks, while its interpreter is faster than "
        "moto's. Take these as an order of magnitude; the headroom is the margin they have."
    )
    return total(lines)


GROUP_TITLES = {
    "seeds": "the seeds' scope: API Gateway, the order workflow (Express) and its Lambdas",
    "design": "the rest of this design: fulfilment and its child, event-driven Lambdas, imports",
    "other": "other services (outside the seeds' scope)",
}


def print_bill(rows: list[Row], out: Out) -> None:
    for group, title in GROUP_TITLES.items():
        out(f"  {title}")
        chosen = [r for r in rows if r.group == group]
        for r in chosen:
            name = f"{r.service}: {r.item}"
            out(f"    {name:<44} {_quantity(r.quantity):>12} {r.unit:<50} {_money(r.usd):>9}")
        out(f"    {'subtotal':<107} {_money(sum(r.usd for r in chosen)):>9}")
    out(f"  {'total for the month':<109} {_money(sum(r.usd for r in rows)):>9}")


def print_express_vs_standard(m: Measurement, profile: Profile, book: PriceBook, out: Out) -> None:
    orders = profile.orders_per_month
    high = orders * profile.share_above_200
    transitions = (orders - high) * m.low_value_order.transitions("order_processing") + (
        high * m.high_value_order.transitions("order_processing")
    )
    ms = m.express_ms["order_processing"]
    express = express_lines("order_processing", orders, ms, EXPRESS_MEMORY_MB, book)
    standard = standard_line("order_processing", transitions, book)
    out(f"\nThe order workflow, Express against Standard, for {orders:,} orders a month:")
    out(
        f"    Express, as built: {_money(total(express))} ({orders:,} executions, "
        f"{billed(ms, EXPRESS_DURATION_STEP_MS):.0f} ms billed at 64 MB)"
    )
    out(
        f"    Standard: {_money(standard.usd)} ({transitions:,.0f} measured transitions at "
        f"{book.prices['stepfunctions_standard_transition'].describe()}); Standard also "
        "lacks StartSyncExecution, which the API's synchronous answer needs"
    )


def print_prices(book: PriceBook, out: Out) -> None:
    out(f"Prices ({book.region}, as of {book.as_of}, {book.path.relative_to(REPO_ROOT)}):")
    for price in book.prices.values():
        out(f"  {price.describe()}: {price.source}")
        out(f"      checked: {price.checked}")


def report(measurement: Measurement, profile: Profile, book: PriceBook, out: Out) -> None:
    print_measurement(measurement, out)
    runs = [measurement.low_value_order, measurement.high_value_order]
    skipped = unpriced([*runs, *measurement.imports.values()])
    if skipped:
        out(f"  requests seen but not priced: {', '.join(skipped)}")
    print_figure_a(measurement, book, out)
    print_figure_b(measurement, book, out)
    month = monthly_quantities(measurement, profile)
    out(
        f"\nThe month for the profile, {book.region} (durations: the order path's as in (b), "
        "the other functions' their median over the measured runs):"
    )
    print_bill(monthly_bill(measurement, month, book), out)
    print_express_vs_standard(measurement, profile, book, out)
    out(
        "\nNot included: CloudWatch Logs and X-Ray, data transfer, storage (DynamoDB, S3, "
        "queues), KMS requests, the free tiers; DynamoDB Streams reads by Lambda are free."
    )
    print_prices(book, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-month", type=int, default=1_000_000)
    parser.add_argument(
        "--share-above-200",
        type=float,
        default=0.05,
        help="the share of orders above £200, each screened and approved",
    )
    parser.add_argument("--imports-per-day", type=float, default=1)
    parser.add_argument("--rows-per-import", type=int, default=10_000)
    parser.add_argument("--region", default=DEFAULT_REGION, help="the region whose prices apply")
    parser.add_argument("--prices", type=Path, default=PRICES_FILE, help="a prices file")
    parser.add_argument("--samples", type=int, default=15, help="timed runs per duration")
    args = parser.parse_args(argv)
    if not 0 <= args.share_above_200 <= 1:
        parser.error("--share-above-200 is a share from 0 to 1")
    try:
        book = load_prices(args.region, args.prices)
    except UnknownRegion as error:
        print(error, file=sys.stderr)
        return 2
    profile = Profile(
        args.orders_per_month, args.share_above_200, args.imports_per_day, args.rows_per_import
    )

    def out(text: str) -> None:
        print(text, flush=True)

    out("make cost: the monthly bill for a traffic profile, from measured runs")
    print_machine(out)
    print_load("before measuring", out)
    out(
        f"prices: {book.region} ({book.label}), {book.currency}, as of {book.as_of}; "
        "on-demand, no free tier"
    )
    out(
        f"profile: {profile.orders_per_month:,} orders a month, {profile.share_above_200:.1%} "
        f"above £200 (all placed, those above £200 approved); {profile.imports_per_day:g} "
        f"import(s) a day of {profile.rows_per_import:,} rows "
        f"({profile.imports_per_month:g} in a {DAYS_PER_MONTH}-day month)"
    )
    measurement = measure(samples=args.samples, progress=out)
    print_load("after measuring", out)
    report(measurement, profile, book, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
