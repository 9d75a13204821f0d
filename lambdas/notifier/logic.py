"""The customer e-mail for an order notification (simulated: written to an outbox table)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationError

SUBJECTS = {
    "PLACED": "We have your order {orderId}",
    "SHIPPED": "Your order {orderId} is on its way",
    "REJECTED": "About your order {orderId}",
    "CANCELLED": "Your order {orderId} was cancelled",
}


@dataclass(frozen=True)
class Email:
    message_id: str  # one e-mail per order and status: the idempotency key
    to: str
    subject: str
    body: str


def pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def compose(notification: Mapping[str, Any]) -> Email:
    """Build the e-mail for one notification; raise ValidationError naming a bad field."""
    for field in ("orderId", "email", "status"):
        if not isinstance(notification.get(field), str) or not notification[field]:
            raise ValidationError(field, "required, a non-empty string")
    status = notification["status"]
    if status not in SUBJECTS:
        raise ValidationError("status", f"one of {', '.join(SUBJECTS)}")
    order_id = notification["orderId"]
    lines = [f"Order {order_id}: {status.lower()}."]
    total = notification.get("total")
    if isinstance(total, int) and not isinstance(total, bool):
        lines.append(f"Total: {pounds(total)}.")
    return Email(
        message_id=f"{order_id}#{status}",
        to=notification["email"],
        subject=SUBJECTS[status].format(orderId=order_id),
        body="\n".join(lines),
    )
