"""Powertools Logger, Tracer and Metrics, configured the same way for every function.

Service name, metrics namespace, log level and tracing switches come from the standard
Powertools environment variables (``POWERTOOLS_SERVICE_NAME`` and friends) set by SAM Globals
and Terraform. Personal data is erased before logging with ``shared.masking.masked``.
"""

from typing import NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer


class Observability(NamedTuple):
    logger: Logger
    tracer: Tracer
    metrics: Metrics


def create_observability() -> Observability:
    """Create the three Powertools utilities for one function (call once, at module scope)."""
    return Observability(logger=Logger(), tracer=Tracer(), metrics=Metrics())
