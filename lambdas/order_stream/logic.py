"""Turn an orders-table stream record into an ``OrderStatusChanged`` event.

The event source mapping's filter criteria (terraform/events/order_status_changes.filter.json)
already pass only new orders and changes of status, so every record that reaches this code is
a status change; a record without a status is malformed and raises.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationError


@dataclass(frozen=True)
class StatusChange:
    order_id: str
    status: str
    previous_status: str | None

    def as_detail(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "status": self.status,
            "previousStatus": self.previous_status,
        }


def status_change(
    new_image: Mapping[str, Any] | None, old_image: Mapping[str, Any] | None
) -> StatusChange:
    if not new_image or not isinstance(new_image.get("orderId"), str):
        raise ValidationError("dynamodb.NewImage.orderId", "required in a status change")
    status = new_image.get("status")
    if not isinstance(status, str):
        raise ValidationError("dynamodb.NewImage.status", "required in a status change")
    previous = (old_image or {}).get("status")
    return StatusChange(
        new_image["orderId"], status, previous if isinstance(previous, str) else None
    )
