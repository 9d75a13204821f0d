"""The simulated carrier's label: carrier by parcel size, tracking number from the order."""

import pytest

from shared.errors import ValidationError
from shipping_label.logic import PARCEL_UNIT_LIMIT, create_label

pytestmark = pytest.mark.unit


def lines(*quantities: int) -> list[dict[str, object]]:
    return [{"productId": f"P-{n}", "quantity": q} for n, q in enumerate(quantities)]


def test_a_parcel_goes_by_royal_mail_with_a_tracking_number_from_the_order() -> None:
    label = create_label({"orderId": "ord-1", "items": lines(2, 3)})

    assert label["carrier"] == "royal-mail"
    assert label["units"] == 5
    assert label["trackingNumber"].startswith("RM") and label["trackingNumber"].endswith("GB")
    assert create_label({"orderId": "ord-1", "items": lines(5)}) == label | {"units": 5}


def test_different_orders_get_different_tracking_numbers() -> None:
    first = create_label({"orderId": "ord-1", "items": lines(1)})
    second = create_label({"orderId": "ord-2", "items": lines(1)})

    assert first["trackingNumber"] != second["trackingNumber"]


def test_more_units_than_a_parcel_holds_go_by_freight() -> None:
    label = create_label({"orderId": "ord-9", "items": lines(PARCEL_UNIT_LIMIT, 1)})

    assert label["carrier"] == "parcelforce"
    assert label["trackingNumber"].startswith("P")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"items": lines(1)}, "orderId"),
        ({"orderId": "", "items": lines(1)}, "orderId"),
        ({"orderId": "o", "items": []}, "items"),
        ({"orderId": "o", "items": "x"}, "items"),
        ({"orderId": "o", "items": [{"quantity": 0}]}, "items[0].quantity"),
        ({"orderId": "o", "items": [{"quantity": True}]}, "items[0].quantity"),
        ({"orderId": "o", "items": ["x"]}, "items[0].quantity"),
    ],
)
def test_a_bad_request_names_the_field(request_: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        create_label(request_)

    assert raised.value.field == field
