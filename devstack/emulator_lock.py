"""The one lock the embedded emulator's threads share.

In-process Lambda invocations run one at a time (environment variables are process-wide),
and DynamoDB's conditional writes must check and write as one step (moto_gaps
``conditional_writes_are_atomic``). A write's stream and queue consumers run Lambdas on the
writing thread, and Lambdas write: with two locks, a thread holding one and wanting the other
deadlocks against a thread doing the reverse. So both take this re-entrant lock.
"""

import threading

EMULATOR_LOCK = threading.RLock()
