"""Shorten the Step Functions interpreter's waits without touching the ASL.

Retry intervals in ``statemachines/`` are what production needs (seconds). moto's interpreter
really sleeps them, so a test of "retried twice, then placed" would wait for real. This
patches the interpreter's sleep, and only the interpreter's, to wait ``scale`` times as long,
and records every interval the ASL asked for so tests can assert the backoff itself.

It also shortens the interpreter's 0.5 s poll of a ``.sync`` child (speed only; not recorded).

With ``timeouts=True`` (opt in per test) the interpreter's clock for TimeoutSeconds and
HeartbeatSeconds runs ``scale`` times faster too: the waits on a task's completion, on a task
token and on heartbeats are the interpreter's ``threading.Event`` waits, so the events those
two modules create wait ``scale`` times as long, and each requested wait is recorded in
``requested_timeouts``. The history still shows the ASL's values.
"""

import contextlib
import threading
import time
import types
from collections.abc import Callable, Iterator
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.eval.callback import callback

_SYNC_POLL_FLOOR_S = 0.01


class FastClock:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.requested_sleeps: list[float] = []
        self.requested_timeouts: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.requested_sleeps.append(seconds)
        time.sleep(seconds * self.scale)

    def event_factory(self) -> Callable[[], threading.Event]:
        clock = self

        class ScaledEvent(threading.Event):
            def wait(self, timeout: float | None = None) -> bool:
                if timeout is None:
                    return super().wait()
                clock.requested_timeouts.append(timeout)
                return super().wait(timeout * clock.scale)

        return ScaledEvent


@contextlib.contextmanager
def fast_interpreter_clock(scale: float = 0.001, timeouts: bool = False) -> Iterator[FastClock]:
    clock = FastClock(scale)
    fake_time = types.SimpleNamespace(sleep=clock.sleep, time=time.time, monotonic=time.monotonic)
    poll = max(
        state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK * scale, _SYNC_POLL_FLOOR_S
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(retrier_decl, "time", fake_time))
        stack.enter_context(
            mock.patch.object(
                state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", poll
            )
        )
        if timeouts:
            scaled_event = clock.event_factory()
            stack.enter_context(mock.patch.object(callback, "Event", scaled_event))
            stack.enter_context(
                mock.patch.object(
                    execute_state, "threading", types.SimpleNamespace(Event=scaled_event)
                )
            )
        yield clock
