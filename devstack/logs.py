"""``make logs FN=<function>``: a function's recent log events, oldest first.

Reads the function's log group (``/aws/lambda/orders-<env>-<function>``) from CloudWatch
Logs: the local stack's emulator keeps one per function as AWS does. ``--since`` bounds how
far back (``10m``, ``2h``, ``1d``), ``--grep`` applies a CloudWatch Logs filter pattern (for
example ``ERROR`` or ``"order-123"``), and ``--follow`` keeps polling for new events until
interrupted. Works on the local stack and, with ``--env dev|prod``, on AWS with your
credentials.
"""

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from devstack.stack import FUNCTIONS, Naming
from devstack.target_clients import ENVIRONMENTS, client

_DURATION = re.compile(r"(\d+)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
FOLLOW_INTERVAL_S = 2.0


def parse_since(text: str) -> int:
    """``10m`` -> 600 seconds; a clear ValueError for anything else."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"SINCE must be a positive number followed by s, m, h or d (got {text!r})")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def log_group_name(function_key: str, naming: Naming) -> str:
    return f"/aws/lambda/{naming.name(function_key)}"


def events(
    logs: Any, log_group: str, start_ms: int, pattern: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every event of the group from ``start_ms`` on, through all pages."""
    arguments: dict[str, Any] = {"logGroupName": log_group, "startTime": start_ms}
    if pattern:
        arguments["filterPattern"] = pattern
    for page in logs.get_paginator("filter_log_events").paginate(**arguments):
        yield from page.get("events", [])


def event_key(event: dict[str, Any]) -> str:
    """AWS gives each event an id; the local emulator does not, so fall back to its content."""
    if "eventId" in event:
        return str(event["eventId"])
    return f"{event['timestamp']}|{event.get('logStreamName', '')}|{event['message']}"


def format_event(event: dict[str, Any]) -> str:
    moment = datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f"  {event['message'].rstrip()}"


def show(
    logs: Any,
    log_group: str,
    since_s: int,
    pattern: str | None = None,
    follow: bool = False,
    write: Callable[[str], None] = print,
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write the events since ``since_s`` ago; with ``follow``, keep polling. Return the count."""
    start_ms = now_ms() - since_s * 1000
    seen: set[str] = set()
    while True:
        for event in events(logs, log_group, start_ms, pattern):
            key = event_key(event)
            if key in seen:  # the window overlaps the last poll by design
                continue
            seen.add(key)
            start_ms = max(start_ms, event["timestamp"])
            write(format_event(event))
        if not follow:
            return len(seen)
        sleep(FOLLOW_INTERVAL_S)


def main(argv: list[str] | None = None) -> int:
    names = [function.key for function in FUNCTIONS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", help=f"one of: {', '.join(names)}")
    parser.add_argument("--since", default="30m", help="how far back: 10m, 2h, 1d (default 30m)")
    parser.add_argument("--grep", default=None, help="a CloudWatch Logs filter pattern")
    parser.add_argument("--follow", action="store_true", help="keep polling for new events")
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)
    if args.function not in names:
        print(
            f"unknown function {args.function!r}; choose one of: {', '.join(names)}",
            file=sys.stderr,
        )
        return 2
    try:
        since_s = parse_since(args.since)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    logs = client("logs", args.env)
    group = log_group_name(args.function, Naming(args.env))
    try:
        count = show(logs, group, since_s, args.grep, args.follow)
    except logs.exceptions.ResourceNotFoundException:
        print(
            f"no log group {group} in {args.env}: is the stack deployed (make deploy"
            f"{'' if args.env == 'local' else ' ENV=' + args.env}) and has the function run?",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    print(f"-- {count} event(s) from {group} in the last {args.since}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
