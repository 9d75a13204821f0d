"""One cold start, measured inside a fresh interpreter (run by :mod:`devstack.bench.cold_start`).

Standard library only: it runs under the Lambda runtime's CPython (3.13) with ``-I -S -B``, so
nothing reaches it but the paths it is given, in the order Lambda puts them: the function's
package, the Powertools layer, the runtime's boto3. The caller sets the function's and the
runtime's environment variables.

    python3.13 -I -S -B probe.py '<json request>'

The request names ``paths``, a ``target`` (``floor``: ``import boto3`` and one client; or a
handler such as ``validate_order.handler.lambda_handler``) and optional ``events`` to invoke the
handler on. The last line printed is ``BENCH-RESULT <json>``: the import time (wall and CPU),
each event's outcome, and the process's peak resident set size (``VmHWM``), which is what
Lambda reports as a function's "Max Memory Used".
"""

import importlib
import json
import os
import resource
import sys
import time
import uuid
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "
FLOOR = "floor"


class Context:
    """The Lambda context attributes Powertools and the handlers read."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        region = os.environ.get("AWS_REGION", "eu-west-2")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _import(target: str) -> Any:
    if target == FLOOR:
        import boto3  # noqa: PLC0415 - the import is what is measured

        boto3.client("dynamodb")
        return None
    module_name, _, attribute = target.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def main(request: dict[str, Any]) -> dict[str, Any]:
    sys.path[:0] = request["paths"]
    started, started_cpu = time.perf_counter(), time.process_time()
    handler = _import(request["target"])
    import_ms = (time.perf_counter() - started) * 1000
    import_cpu_ms = (time.process_time() - started_cpu) * 1000
    outcomes = []
    for case in request.get("events", []):
        context = Context(request["function_name"], request["memory_mb"], request["timeout_s"])
        try:
            answer = handler(case["event"], context)
        except Exception as error:  # a business error is an outcome here, not a crash
            outcomes.append({"event": case["name"], "error": type(error).__name__})
            continue
        failed = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        outcomes.append({"event": case["name"], "error": None, "failed_items": len(failed)})
    return {
        "import_ms": import_ms,
        "import_cpu_ms": import_cpu_ms,
        "events": outcomes,
        "peak_rss_mib": peak_rss_kib() / 1024,
    }


def peak_rss_kib() -> int:
    """This process's peak resident set: ``VmHWM`` from ``/proc/self/status``.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark into a child across
    fork and exec, so a child of a large process would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB; elsewhere than Linux


if __name__ == "__main__":
    result = main(json.loads(sys.argv[1]))
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result), flush=True)
