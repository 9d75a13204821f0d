"""The locust user for ``make bench``'s load run (:mod:`devstack.bench.load` starts it).

It runs in locust's own virtualenv (``.tools/locust``), so it uses locust and the standard
library only; everything it needs comes in environment variables:

- ``BENCH_RATE`` orders per second, ``BENCH_DURATION`` seconds and ``BENCH_USERS`` (the
  number of users locust was asked to start): the schedule;
- ``BENCH_API_KEY``, ``BENCH_RUN`` (a prefix that makes every orderId unique), and
  ``BENCH_ORDERS``, a JSON list of order bodies (without ``orderId``) sent in turn;
- ``BENCH_SAMPLES``: where every request's start, latency and status are written (JSON lines)
  when locust quits.

Constant arrival rate: each of the ``users`` sends one order every ``users / rate`` seconds
(5 s in a full run: :func:`devstack.bench.load.users_for`), user ``i`` offset by ``i / rate``,
so together they send an order every ``1 / rate`` seconds from one shared start, on a fixed
schedule (a slot is never moved by the response before it). A user whose order takes longer
than its interval sends its next one late, so a stack that cannot keep up shows as achieved
throughput below the offered rate, as well as in the latency.
"""

import itertools
import json
import os
import time
from typing import Any

import gevent
from locust import FastHttpUser, events, task

START_DELAY_S = 1.0  # after the first user starts, so all are spawned before the first slot

RATE = float(os.environ.get("BENCH_RATE", "1"))
DURATION_S = float(os.environ.get("BENCH_DURATION", "10"))
USERS = int(os.environ.get("BENCH_USERS", "1"))
INTERVAL_S = USERS / RATE  # each user's
API_KEY = os.environ.get("BENCH_API_KEY", "")
RUN = os.environ.get("BENCH_RUN", "bench")
ORDERS: list[dict[str, Any]] = json.loads(os.environ.get("BENCH_ORDERS", "[]"))
SAMPLES_FILE = os.environ.get("BENCH_SAMPLES", "samples.jsonl")

_user_numbers = itertools.count()
_sequence = itertools.count()
_start: list[float] = []  # the schedule's origin (time.time()), set by the first user
_samples: list[dict[str, Any]] = []


class OrderingUser(FastHttpUser):
    def wait_time(self) -> float:
        """Until this user's next slot; at once if it is late; past the run, until stopped."""
        self.slot += 1
        due = self.origin + self.slot * INTERVAL_S
        if due - _start[0] >= DURATION_S:
            return 3600.0  # the run is over for this user: locust stops it
        return max(0.0, due - time.time())

    def on_start(self) -> None:
        number = next(_user_numbers)
        if not _start:
            _start.append(time.time() + START_DELAY_S)
        self.origin = _start[0] + number / RATE
        self.slot = 0
        gevent.sleep(max(0.0, self.origin - time.time()))

    @task
    def place_order(self) -> None:
        sequence = next(_sequence)
        body = dict(ORDERS[sequence % len(ORDERS)], orderId=f"{RUN}-{sequence}")
        self.client.post(
            "/orders",
            json=body,
            headers={"x-api-key": API_KEY},
            name="POST /orders",
        )


@events.request.add_listener
def _record(
    start_time: float,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    _samples.append(
        {
            "start": start_time,
            "ms": response_time,
            "status": status,
            "error": None if exception is None else type(exception).__name__,
        }
    )


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    with open(SAMPLES_FILE, "w", encoding="utf-8") as samples:
        samples.writelines(json.dumps(sample) + "\n" for sample in _samples)
