"""Shorten the Step Functions interpreter's waits without touching the ASL.

Retry intervals in ``statemachines/`` are what production needs (seconds). moto's interpreter
really sleeps them, so a test of "retried twice, then placed" would wait for real. This
patches the interpreter's sleep, and only the interpreter's, to wait ``scale`` times as long,
and records every interval the ASL asked for so tests can assert the backoff itself.

Wait states (``Seconds``) are shortened and recorded the same way, in ``requested_sleeps``.

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
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.eval.callback import callback

_SYNC_POLL_FLOOR_S = 0.01


class FastClock:
    def __init__(self, scale: float, min_timeout_s: float = 0) -> None:
        self.scale = scale
        self.min_timeout_s = min_timeout_s
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
                if timeout < clock.min_timeout_s:
                    return super().wait(timeout)
                return super().wait(timeout * clock.scale)

        return ScaledEvent

    def wait_state(self) -> Callable[[WaitFunction, Any, int], None]:
        """A Wait state's wait: ``scale`` times as long, still ended early by a stop."""
        clock = self

        def wait_interval(_: WaitFunction, env: Any, wait_seconds: int) -> None:
            clock.requested_sleeps.append(wait_seconds)
            if wait_seconds > 0:
                env.program_state_event.wait(wait_seconds * clock.scale)

        return wait_interval


@contextlib.contextmanager
def fast_interpreter_clock(
    scale: float = 0.001, timeouts: bool = False, min_timeout_s: float = 0
) -> Iterator[FastClock]:
    """See the module docstring. ``min_timeout_s`` keeps shorter timeouts real, so a test can
    shorten a human-scale wait (an approval's hours) without every task's seconds expiring."""
    clock = FastClock(scale, min_timeout_s)
    fake_time = types.SimpleNamespace(sleep=clock.sleep, time=time.time, monotonic=time.monotonic)
    poll = max(
        state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK * scale, _SYNC_POLL_FLOOR_S
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(retrier_decl, "time", fake_time))
        stack.enter_context(mock.patch.object(WaitFunction, "_wait_interval", clock.wait_state()))
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
