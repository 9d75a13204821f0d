"""Business validation of an order: shape, catalogue membership, prices and totals.

The state machine already rejects requests of the wrong shape before this runs; the shape is
checked again here so the function is safe to invoke on its own (``make invoke``) and so
every rule lives next to its error message. Every failure names the offending field.
"""

from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard

from shared.errors import ValidationError
from validate_order.models import (
    MAX_ITEMS,
    MAX_QUANTITY,
    ORDER_ID_PATTERN,
    PROCESSORS,
    PricedLine,
    PricedOrder,
    Product,
)


class Catalogue(Protocol):
    def find(self, product_ids: list[str]) -> dict[str, Product]:
        """The products among ``product_ids`` that exist; unknown ids are simply absent."""
        ...


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_object(request: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = request.get(field)
    if not isinstance(value, Mapping):
        raise ValidationError(field, "required, an object")
    return value


def _require_string(obj: Mapping[str, Any], field: str, path: str) -> str:
    value = obj.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(path, "required, a non-empty string")
    return value


def _check_customer(request: Mapping[str, Any]) -> dict[str, Any]:
    customer = _require_object(request, "customer")
    customer_id = _require_string(customer, "customerId", "customer.customerId")
    email = _require_string(customer, "email", "customer.email")
    if "@" not in email or len(email) > 254:
        raise ValidationError("customer.email", "not an e-mail address")
    checked: dict[str, Any] = {"customerId": customer_id, "email": email}
    if "name" in customer:
        checked["name"] = _require_string(customer, "name", "customer.name")
    return checked


def _check_payment(request: Mapping[str, Any]) -> dict[str, str]:
    payment = _require_object(request, "payment")
    processor = _require_string(payment, "processor", "payment.processor")
    if processor not in PROCESSORS:
        raise ValidationError("payment.processor", f"must be one of {', '.join(PROCESSORS)}")
    token = _require_string(payment, "token", "payment.token")
    return {"processor": processor, "token": token}


def _check_lines(request: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = request.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationError("items", "required, a non-empty list")
    if len(items) > MAX_ITEMS:
        raise ValidationError("items", f"at most {MAX_ITEMS} lines per order")
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"items[{index}]"
        if not isinstance(item, Mapping):
            raise ValidationError(path, "must be an object")
        product_id = _require_string(item, "productId", f"{path}.productId")
        if product_id in seen:
            raise ValidationError(f"{path}.productId", f"repeats items[{seen[product_id]}]")
        seen[product_id] = index
        quantity = item.get("quantity")
        if not _is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(f"{path}.quantity", f"a whole number from 1 to {MAX_QUANTITY}")
        unit_price = item.get("unitPrice")
        if not _is_int(unit_price) or unit_price < 0:
            raise ValidationError(f"{path}.unitPrice", "a whole number of minor units (pence)")
    return items


def validate_order(
    request: Mapping[str, Any], catalogue: Catalogue, received_at: str
) -> PricedOrder:
    """Check ``request`` against the catalogue and return the priced order, or raise."""
    if not isinstance(request, Mapping):
        raise ValidationError("body", "must be a JSON object")
    order_id = request.get("orderId")
    if not isinstance(order_id, str) or not ORDER_ID_PATTERN.fullmatch(order_id):
        raise ValidationError("orderId", "required, 1-64 letters, digits, '-' or '_'")
    customer = _check_customer(request)
    payment = _check_payment(request)
    lines = _check_lines(request)
    currency = request.get("currency", "GBP")

    products = catalogue.find([line["productId"] for line in lines])
    priced: list[PricedLine] = []
    for index, line in enumerate(lines):
        product = products.get(line["productId"])
        if product is None:
            raise ValidationError(
                f"items[{index}].productId", f"unknown product {line['productId']!r}"
            )
        if product.currency != currency:
            raise ValidationError("currency", f"{product.product_id} is sold in {product.currency}")
        if line["unitPrice"] != product.unit_price:
            raise ValidationError(
                f"items[{index}].unitPrice",
                f"is {line['unitPrice']}, the catalogue price is {product.unit_price}",
            )
        priced.append(
            {
                "productId": product.product_id,
                "name": product.name,
                "quantity": line["quantity"],
                "unitPrice": product.unit_price,
                "lineTotal": product.unit_price * line["quantity"],
            }
        )
    return {
        "orderId": order_id,
        "receivedAt": received_at,
        "customer": customer,
        "currency": currency,
        "items": priced,
        "total": sum(line["lineTotal"] for line in priced),
        "payment": payment,
    }
