"""The simulated payment processors' ledger: one DynamoDB item per charge.

A real processor keeps this on its side; the simulation keeps it in a table so tests and
operators can see exactly what was charged and refunded. Like a real processor it honours an
idempotency key: charging the same key twice returns the first charge instead of a second one.
"""

import uuid
from datetime import UTC, datetime
from typing import Any, TypedDict

from botocore.exceptions import ClientError

from shared.errors import PaymentNotFound

_PAYMENT_ID_NAMESPACE = uuid.UUID("6f1d3c1e-54a7-4c4e-9a38-0b4f9f6f2a11")


class Charge(TypedDict):
    paymentId: str
    orderId: str
    processor: str
    amount: int
    currency: str
    status: str


def payment_id_for(processor: str, idempotency_key: str) -> str:
    return "pay_" + uuid.uuid5(_PAYMENT_ID_NAMESPACE, f"{processor}:{idempotency_key}").hex[:24]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _is_condition_failure(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


def _as_charge(item: dict[str, Any]) -> Charge:
    return {
        "paymentId": item["paymentId"],
        "orderId": item["orderId"],
        "processor": item["processor"],
        "amount": int(item["amount"]),
        "currency": item["currency"],
        "status": item["status"],
    }


class PaymentLedger:
    def __init__(self, table: Any) -> None:
        self._table = table

    def count_attempt(self, processor: str, idempotency_key: str) -> int:
        """Record one more attempt at a charge and return how many there have been."""
        response = self._table.update_item(
            Key={"paymentId": f"attempts#{payment_id_for(processor, idempotency_key)}"},
            UpdateExpression="ADD attempts :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["attempts"])

    def capture(self, processor: str, idempotency_key: str, amount: int, currency: str) -> Charge:
        """Write the charge for ``idempotency_key`` once; a repeat returns the first charge."""
        charge: Charge = {
            "paymentId": payment_id_for(processor, idempotency_key),
            "orderId": idempotency_key,
            "processor": processor,
            "amount": amount,
            "currency": currency,
            "status": "CAPTURED",
        }
        try:
            self._table.put_item(
                Item={**charge, "capturedAt": _now()},
                ConditionExpression="attribute_not_exists(paymentId)",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return self.get(charge["paymentId"])
        return charge

    def get(self, payment_id: str) -> Charge:
        item = self._table.get_item(Key={"paymentId": payment_id}, ConsistentRead=True).get("Item")
        if item is None or "status" not in item:  # absent, or an attempts counter
            raise PaymentNotFound(payment_id)
        return _as_charge(item)

    def refund(self, payment_id: str, reason: str) -> Charge:
        """Mark a captured charge refunded; refunding it again changes nothing."""
        try:
            response = self._table.update_item(
                Key={"paymentId": payment_id},
                UpdateExpression="SET #status = :refunded, refundedAt = :at, refundReason = :why",
                ConditionExpression="#status = :captured",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":refunded": "REFUNDED",
                    ":captured": "CAPTURED",
                    ":at": _now(),
                    ":why": reason,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return self.get(payment_id)  # already refunded, or PaymentNotFound
        return _as_charge(response["Attributes"])
