"""Powertools Logger, Tracer and Metrics, configured the same way for every function.

Service name, metrics namespace, log level and tracing switches come from the standard
Powertools environment variables (``POWERTOOLS_SERVICE_NAME`` and friends) set by SAM Globals
and Terraform. Personal data is erased before logging with ``shared.masking.masked``.
"""

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

from shared.errors import ImportFileRejected, PaymentDeclined, ValidationError

# Failures a workflow expects and handles by design: a bad order, a declined card, a rejected
# file. Lambda's own Errors metric counts them like any crash, so each is also counted here as
# BusinessErrors, and the error-rate alarm (terraform/modules/monitoring) subtracts them.
BUSINESS_ERRORS = (ValidationError, PaymentDeclined, ImportFileRejected)
BUSINESS_ERROR_METRIC = "BusinessErrors"

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Observability(NamedTuple):
    logger: Logger
    tracer: Tracer
    metrics: Metrics


def create_observability() -> Observability:
    """Create the three Powertools utilities for one function (call once, at module scope)."""
    return Observability(logger=Logger(), tracer=Tracer(), metrics=Metrics())


def counting_business_errors(metrics: Metrics) -> Callable[[Handler], Handler]:
    """Count a raised business error as the BusinessErrors metric, then raise it unchanged.

    Put it under ``@metrics.log_metrics``, which flushes the metric even when the handler raises.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            except BUSINESS_ERRORS:
                metrics.add_metric(name=BUSINESS_ERROR_METRIC, unit="Count", value=1)
                raise

        return counted  # type: ignore[return-value]

    return decorate
