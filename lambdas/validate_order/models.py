"""The order request as the API accepts it, and the priced order the workflow carries on."""

import re
from dataclasses import dataclass
from typing import Any, TypedDict

ORDER_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_ITEMS = 50
MAX_QUANTITY = 1000
PROCESSORS = ("stripe", "paypal", "applepay")


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    unit_price: int  # minor units (pence)
    currency: str


class PricedLine(TypedDict):
    productId: str
    name: str
    quantity: int
    unitPrice: int
    lineTotal: int


class PricedOrder(TypedDict):
    """What ValidateOrder returns and the rest of the workflow reads."""

    orderId: str
    receivedAt: str  # ISO 8601, UTC: when validation accepted the order
    customer: dict[str, Any]
    currency: str
    items: list[PricedLine]
    total: int
    payment: dict[str, str]
