"""The shipping label for a packed order, from a simulated carrier.

The label is a pure function of the order (carrier by parcel size, tracking number from the
order id), so a retried pick-pack-label run prints the same label.
"""

import hashlib
from collections.abc import Mapping
from typing import Any, TypedDict

from shared.errors import ValidationError

# More units than this go by the freight carrier.
PARCEL_UNIT_LIMIT = 20
CARRIERS = {"parcel": "royal-mail", "freight": "parcelforce"}


class Label(TypedDict):
    orderId: str
    carrier: str
    trackingNumber: str
    units: int


def _units(items: Any) -> int:
    if not isinstance(items, list) or not items:
        raise ValidationError("items", "required, a non-empty list")
    units = 0
    for index, line in enumerate(items):
        quantity = line.get("quantity") if isinstance(line, Mapping) else None
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValidationError(f"items[{index}].quantity", "a whole number above 0")
        units += quantity
    return units


def create_label(request: Mapping[str, Any]) -> Label:
    """Choose the carrier and derive the tracking number; raise ValidationError on bad input."""
    order_id = request.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise ValidationError("orderId", "required, a non-empty string")
    units = _units(request.get("items"))
    carrier = CARRIERS["freight" if units > PARCEL_UNIT_LIMIT else "parcel"]
    digest = hashlib.sha256(f"{carrier}:{order_id}".encode()).hexdigest()[:12].upper()
    prefix = "".join(word[0] for word in carrier.split("-")).upper()
    return Label(
        orderId=order_id, carrier=carrier, trackingNumber=f"{prefix}{digest}GB", units=units
    )
