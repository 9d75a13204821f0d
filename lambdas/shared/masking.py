"""Personal data erased before it is logged (Powertools data masking).

Its own module so only the functions that log payloads pay for importing it at cold start:
call ``masked(data)`` on a payload before handing it to the logger.
"""

import warnings
from typing import Any

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
