"""Powertools Logger, Tracer and Metrics, configured the same way for every function.

Service name, metrics namespace, log level and tracing switches come from the standard
Powertools environment variables (``POWERTOOLS_SERVICE_NAME`` and friends) set by SAM Globals
and Terraform. Anything personal is erased with Powertools data masking before it is logged:
call ``masked(data)`` on a payload before handing it to the logger.
"""

import warnings
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.data_masking import DataMasking

PERSONAL_FIELDS = ["$..email", "$..name", "$..phone", "$..address", "$..token"]

_masker = DataMasking(raise_on_missing_field=False)


def masked(data: Any) -> Any:
    """A copy of ``data`` with every personal field erased, at any depth."""
    if isinstance(data, list):
        return [masked(item) for item in data]
    if not isinstance(data, dict):
        return data
    with warnings.catch_warnings():
        # Powertools warns for each listed field a payload lacks; most payloads lack some.
        warnings.simplefilter("ignore", UserWarning)
        return _masker.erase(data, fields=PERSONAL_FIELDS)


class Observability(NamedTuple):
    logger: Logger
    tracer: Tracer
    metrics: Metrics


def create_observability() -> Observability:
    """Create the three Powertools utilities for one function (call once, at module scope)."""
    return Observability(logger=Logger(), tracer=Tracer(), metrics=Metrics())
