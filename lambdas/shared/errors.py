"""Exceptions whose class names the state machines catch.

A Lambda invoked by Step Functions reports a raised exception as ``errorType`` = the class
name, and the ASL's Retry and Catch match on that name. So the names here are a contract with
``statemachines/*.asl.json``: rename one and the workflow stops catching it.
"""


class ValidationError(Exception):
    """The request is well-formed JSON but breaks a business rule. Becomes HTTP 400."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class PaymentDeclined(Exception):
    """The processor refused the charge. Not retried; stock is released. Becomes HTTP 402."""


class ProcessorUnavailable(Exception):
    """A transient processor fault (5xx, connection reset). Retried with backoff."""


class ProcessorThrottled(Exception):
    """The processor rate-limited us. Retried with backoff."""


class PaymentNotFound(Exception):
    """A refund named a payment the processor has no record of."""


class ConfigurationError(Exception):
    """A required environment variable is missing. Raised at cold start."""


class CarrierUnavailable(Exception):
    """The carrier's label service failed transiently. Retried; the run is retried whole."""


class ImportFileRejected(Exception):
    """An inventory file broke the format: moved under rejected/ with its report, nothing loaded.

    Not retried: the same bytes fail the same way. The message names the report so the
    notification the workflow sends points the sender at the lines to fix.
    """

    def __init__(self, report_key: str, bad_line_count: int) -> None:
        self.report_key = report_key
        self.bad_line_count = bad_line_count
        super().__init__(f"{bad_line_count} bad line(s); see the report {report_key}")
