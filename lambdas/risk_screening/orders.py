"""Writes a risk assessment onto the order it belongs to."""

from typing import Any

from risk_screening.logic import RiskAssessment


class OrderRiskWriter:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, assessment: RiskAssessment) -> None:
        """Set the score on an existing order; writing the same assessment again is harmless.

        The condition refuses to create a row for an order that does not exist, so a stray
        event raises (and is retried, then dead-lettered) instead of inventing an order.
        """
        self._table.update_item(
            Key={"orderId": assessment.order_id},
            UpdateExpression=(
                "SET riskScore = :score, riskReasons = :reasons, riskSummary = :summary"
            ),
            ConditionExpression="attribute_exists(orderId)",
            ExpressionAttributeValues={
                ":score": assessment.score,
                ":reasons": list(assessment.reasons),
                ":summary": assessment.summary,
            },
        )
