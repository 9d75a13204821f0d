"""validate_order.logic.validate_order against an in-memory catalogue."""

import copy
from typing import Any

import pytest

from shared.errors import ValidationError
from validate_order.logic import validate_order
from validate_order.models import MAX_ITEMS, MAX_QUANTITY, Product

pytestmark = pytest.mark.unit

RECEIVED_AT = "2025-01-02T03:04:05.678+00:00"
MUG = Product("MUG-LAMBDA", "Lambda mug", 1299, "GBP")
STICKERS = Product("STICKERS-10", "Ten stickers", 350, "GBP")
# Enough distinct products to fill the largest order allowed.
FILLERS = [Product(f"FILLER-{n:02d}", f"Filler {n}", 100, "GBP") for n in range(MAX_ITEMS)]


class FakeCatalogue:
    """An in-memory Catalogue that remembers what it was asked for."""

    def __init__(self, *products: Product) -> None:
        self._products = {product.product_id: product for product in products}
        self.requests: list[list[str]] = []

    def find(self, product_ids: list[str]) -> dict[str, Product]:
        self.requests.append(list(product_ids))
        return {pid: self._products[pid] for pid in product_ids if pid in self._products}


@pytest.fixture
def catalogue() -> FakeCatalogue:
    return FakeCatalogue(MUG, STICKERS, *FILLERS)


def line(product: Product, quantity: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "productId": product.product_id,
        "quantity": quantity,
        "unitPrice": product.unit_price,
        **overrides,
    }


@pytest.fixture
def order() -> dict[str, Any]:
    return {
        "orderId": "ord-42_a",
        "customer": {"customerId": "cust-42", "email": "ada@example.com", "name": "Ada"},
        "items": [line(MUG, 2), line(STICKERS, 3)],
        "payment": {"processor": "stripe", "token": "tok_visa"},
        "currency": "GBP",
    }


def changed(request: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``request`` with the value at ``path`` replaced."""
    result = copy.deepcopy(request)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


def without(request: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    result = copy.deepcopy(request)
    target = result
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return result


def rejection(request: Any, catalogue: FakeCatalogue) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_order(request, catalogue, RECEIVED_AT)
    return caught.value


def test_valid_order_is_priced_in_integer_pence_with_received_at_passed_through(
    order: dict[str, Any], catalogue: FakeCatalogue
) -> None:
    priced = validate_order(order, catalogue, RECEIVED_AT)

    assert priced == {
        "orderId": "ord-42_a",
        "receivedAt": RECEIVED_AT,
        "customer": {"customerId": "cust-42", "email": "ada@example.com", "name": "Ada"},
        "currency": "GBP",
        "items": [
            {
                "productId": "MUG-LAMBDA",
                "name": "Lambda mug",
                "quantity": 2,
                "unitPrice": 1299,
                "lineTotal": 2 * 1299,
            },
            {
                "productId": "STICKERS-10",
                "name": "Ten stickers",
                "quantity": 3,
                "unitPrice": 350,
                "lineTotal": 3 * 350,
            },
        ],
        "total": 2 * 1299 + 3 * 350,
        "payment": {"processor": "stripe", "token": "tok_visa"},
    }
    assert all(type(value) is int for value in (priced["total"], priced["items"][0]["lineTotal"]))
    assert catalogue.requests == [["MUG-LAMBDA", "STICKERS-10"]]


def test_order_without_currency_is_priced_in_pounds(
    order: dict[str, Any], catalogue: FakeCatalogue
) -> None:
    priced = validate_order(without(order, ("currency",)), catalogue, RECEIVED_AT)

    assert priced["currency"] == "GBP"


@pytest.mark.parametrize(
    "path, value",
    [
        (("orderId",), "x" * 64),
        (("items", 0, "quantity"), MAX_QUANTITY),
        (("items", 0, "quantity"), 1),
        (("items",), [line(product) for product in FILLERS]),
    ],
    ids=["orderId-64-chars", "quantity-max", "quantity-1", "items-max-lines"],
)
def test_values_at_the_limits_are_accepted(
    order: dict[str, Any], catalogue: FakeCatalogue, path: tuple[Any, ...], value: Any
) -> None:
    priced = validate_order(changed(order, path, value), catalogue, RECEIVED_AT)

    assert priced["total"] == sum(line["lineTotal"] for line in priced["items"])


def _many_lines(count: int) -> list[dict[str, Any]]:
    return [line(FILLERS[n % len(FILLERS)]) for n in range(count)]


MISSING = object()  # as a value: delete the key instead


def broken(request: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    return without(request, path) if value is MISSING else changed(request, path, value)


MUG_AGAIN = line(MUG, 4)
# (id, where to break a valid order, the value put there, the field the error must name)
SHAPE_ERRORS = [
    ("orderId-missing", ("orderId",), MISSING, "orderId"),
    ("orderId-spaces", ("orderId",), "has spaces", "orderId"),
    ("orderId-65-chars", ("orderId",), "x" * 65, "orderId"),
    ("orderId-not-string", ("orderId",), 42, "orderId"),
    ("orderId-empty", ("orderId",), "", "orderId"),
    ("customer-missing", ("customer",), MISSING, "customer"),
    ("customer-not-object", ("customer",), "ada", "customer"),
    ("customerId-missing", ("customer", "customerId"), MISSING, "customer.customerId"),
    ("customerId-blank", ("customer", "customerId"), "  ", "customer.customerId"),
    ("email-missing", ("customer", "email"), MISSING, "customer.email"),
    ("email-without-at", ("customer", "email"), "ada.example.com", "customer.email"),
    ("email-too-long", ("customer", "email"), "a@" + "b" * 253, "customer.email"),
    ("name-empty", ("customer", "name"), "", "customer.name"),
    ("payment-missing", ("payment",), MISSING, "payment"),
    ("processor-unknown", ("payment", "processor"), "cash", "payment.processor"),
    ("processor-missing", ("payment", "processor"), MISSING, "payment.processor"),
    ("token-missing", ("payment", "token"), MISSING, "payment.token"),
    ("token-empty", ("payment", "token"), "", "payment.token"),
    ("items-missing", ("items",), MISSING, "items"),
    ("items-empty", ("items",), [], "items"),
    ("items-not-list", ("items",), {"productId": "MUG-LAMBDA"}, "items"),
    ("items-over-max", ("items",), _many_lines(MAX_ITEMS + 1), "items"),
    ("line-not-object", ("items", 1), "STICKERS-10", "items[1]"),
    ("productId-missing", ("items", 0, "productId"), MISSING, "items[0].productId"),
    ("productId-repeated", ("items", 1), MUG_AGAIN, "items[1].productId"),
    ("quantity-0", ("items", 0, "quantity"), 0, "items[0].quantity"),
    ("quantity-1001", ("items", 0, "quantity"), MAX_QUANTITY + 1, "items[0].quantity"),
    ("quantity-negative", ("items", 1, "quantity"), -2, "items[1].quantity"),
    ("quantity-bool", ("items", 0, "quantity"), True, "items[0].quantity"),
    ("quantity-float", ("items", 0, "quantity"), 1.5, "items[0].quantity"),
    ("quantity-string", ("items", 0, "quantity"), "2", "items[0].quantity"),
    ("quantity-missing", ("items", 0, "quantity"), MISSING, "items[0].quantity"),
    ("unitPrice-negative", ("items", 0, "unitPrice"), -1, "items[0].unitPrice"),
    ("unitPrice-bool", ("items", 0, "unitPrice"), True, "items[0].unitPrice"),
    ("unitPrice-float", ("items", 0, "unitPrice"), 12.99, "items[0].unitPrice"),
]


@pytest.mark.parametrize(
    "path, value, field",
    [case[1:] for case in SHAPE_ERRORS],
    ids=[case[0] for case in SHAPE_ERRORS],
)
def test_request_breaking_a_shape_rule_is_rejected_naming_its_field_before_any_lookup(
    order: dict[str, Any], catalogue: FakeCatalogue, path: tuple[Any, ...], value: Any, field: str
) -> None:
    error = rejection(broken(order, path, value), catalogue)

    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    assert catalogue.requests == []


@pytest.mark.parametrize("request_body", [[{"orderId": "ord-1"}], "{}", None], ids=repr)
def test_request_that_is_not_an_object_is_rejected_on_body(
    catalogue: FakeCatalogue, request_body: Any
) -> None:
    error = rejection(request_body, catalogue)

    assert error.field == "body"
    assert str(error).startswith("body: ")


def test_repeated_product_names_the_line_it_repeats(
    order: dict[str, Any], catalogue: FakeCatalogue
) -> None:
    error = rejection(changed(order, ("items", 1), MUG_AGAIN), catalogue)

    assert error.problem == "repeats items[0]"


def test_unknown_product_is_rejected_naming_its_line(
    order: dict[str, Any], catalogue: FakeCatalogue
) -> None:
    request = changed(order, ("items", 1, "productId"), "NO-SUCH-THING")

    error = rejection(request, catalogue)

    assert error.field == "items[1].productId"
    assert str(error).startswith("items[1].productId: ")
    assert "NO-SUCH-THING" in error.problem


def test_price_other_than_the_catalogue_price_is_rejected_naming_both_prices(
    order: dict[str, Any], catalogue: FakeCatalogue
) -> None:
    request = changed(order, ("items", 1, "unitPrice"), 1)

    error = rejection(request, catalogue)

    assert error.field == "items[1].unitPrice"
    assert str(error).startswith("items[1].unitPrice: ")
    assert error.problem == f"is 1, the catalogue price is {STICKERS.unit_price}"


@pytest.mark.parametrize("currency", ["EUR", "gbp", None])
def test_order_in_another_currency_than_the_catalogue_is_rejected_on_currency(
    order: dict[str, Any], catalogue: FakeCatalogue, currency: Any
) -> None:
    error = rejection(changed(order, ("currency",), currency), catalogue)

    assert error.field == "currency"
    assert str(error).startswith("currency: ")
    assert "GBP" in error.problem
