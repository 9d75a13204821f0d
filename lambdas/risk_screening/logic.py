"""Risk screening of high-value orders: a score from 0 to 100 and the reasons behind it.

The score is what the human approving a high-value order sees (fulfilment's approval
request shows it). The rules are deterministic so a rescored order gets the same score.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationError

# Thresholds in minor units (pence); the review rule itself fires above 20000 (£200).
VERY_HIGH_TOTAL = 100_000
HIGH_TOTAL = 50_000
BULK_QUANTITY = 5
MANY_LINES = 10


@dataclass(frozen=True)
class RiskAssessment:
    order_id: str
    score: int
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line for the reviewer's approval request (fulfilment reads it from the order)."""
        return f"{self.score}/100: {'; '.join(self.reasons)}"


def assess(detail: Mapping[str, Any]) -> RiskAssessment:
    """Score the ``OrderPlaced`` event detail; raise ValidationError if it is not one."""
    order_id = detail.get("orderId")
    total = detail.get("total")
    items = detail.get("items")
    if not isinstance(order_id, str) or not order_id:
        raise ValidationError("detail.orderId", "required, a non-empty string")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValidationError("detail.total", "a whole number of minor units")
    if not isinstance(items, list):
        raise ValidationError("detail.items", "required, a list")
    reasons: list[str] = []
    score = 10
    if total > VERY_HIGH_TOTAL:
        score += 50
        reasons.append(f"total above {VERY_HIGH_TOTAL}")
    elif total > HIGH_TOTAL:
        score += 30
        reasons.append(f"total above {HIGH_TOTAL}")
    if any(int(line.get("quantity", 0)) > BULK_QUANTITY for line in items):
        score += 20
        reasons.append(f"a line with more than {BULK_QUANTITY} units")
    if len(items) > MANY_LINES:
        score += 10
        reasons.append(f"more than {MANY_LINES} lines")
    return RiskAssessment(order_id, min(score, 100), tuple(reasons) or ("no risk factor",))
