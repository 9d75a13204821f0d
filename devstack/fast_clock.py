"""Shorten the Step Functions interpreter's waits without touching the ASL.

Retry intervals in ``statemachines/`` are what production needs (seconds). moto's interpreter
really sleeps them, so a test of "retried twice, then placed" would wait for real. This
patches the interpreter's sleep, and only the interpreter's, to wait ``scale`` times as long,
and records every interval the ASL asked for so tests can assert the backoff itself.
"""

import contextlib
import time
import types
from collections.abc import Iterator
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl


class FastClock:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.requested_sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.requested_sleeps.append(seconds)
        time.sleep(seconds * self.scale)


@contextlib.contextmanager
def fast_interpreter_clock(scale: float = 0.001) -> Iterator[FastClock]:
    clock = FastClock(scale)
    fake_time = types.SimpleNamespace(sleep=clock.sleep, time=time.time, monotonic=time.monotonic)
    with mock.patch.object(retrier_decl, "time", fake_time):
        yield clock
