"""validate_order.catalogue.DynamoDBCatalogue on moto's DynamoDB, and its batching rules."""

from types import SimpleNamespace
from typing import Any

import pytest

from validate_order.catalogue import BATCH_GET_LIMIT, DynamoDBCatalogue
from validate_order.models import Product

pytestmark = pytest.mark.unit


def put_products(table: Any, *products: Product) -> None:
    with table.batch_writer() as batch:
        for product in products:
            batch.put_item(
                Item={
                    "productId": product.product_id,
                    "name": product.name,
                    "unitPrice": product.unit_price,
                    "currency": product.currency,
                }
            )


def test_known_products_are_found_with_integer_prices_and_unknown_ids_are_absent(
    catalogue_table: Any,
) -> None:
    mug = Product("MUG-LAMBDA", "Lambda mug", 1299, "GBP")
    book = Product("BOOK-ASL-101", "ASL 101", 2499, "GBP")
    put_products(catalogue_table, mug, book)

    found = DynamoDBCatalogue(catalogue_table).find(["MUG-LAMBDA", "NO-SUCH-THING", "BOOK-ASL-101"])

    assert found == {"MUG-LAMBDA": mug, "BOOK-ASL-101": book}
    assert type(found["MUG-LAMBDA"].unit_price) is int


def test_more_ids_than_one_batch_get_allows_are_fetched_in_batches(catalogue_table: Any) -> None:
    # moto, like DynamoDB, refuses a BatchGetItem of more than 100 keys.
    products = [Product(f"P-{n:03d}", f"Product {n}", n + 1, "GBP") for n in range(150)]
    put_products(catalogue_table, *products)
    wanted = [product.product_id for product in products] + ["UNKNOWN-1", "UNKNOWN-2"]

    found = DynamoDBCatalogue(catalogue_table).find(wanted)

    assert found == {product.product_id: product for product in products}


class ScriptedClient:
    """A DynamoDB client stand-in answering BatchGetItem from a script of responses."""

    def __init__(self, *responses: dict[str, Any]) -> None:
        self._responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.requests.append(RequestItems)
        return self._responses.pop(0)


def scripted_table(client: ScriptedClient) -> Any:
    return SimpleNamespace(name="catalogue", meta=SimpleNamespace(client=client))


def item(product_id: str, price: int = 100) -> dict[str, Any]:
    return {
        "productId": product_id,
        "name": product_id.title(),
        "unitPrice": price,
        "currency": "GBP",
    }


def test_ids_are_requested_at_most_one_hundred_at_a_time_in_order() -> None:
    ids = [f"P-{n:03d}" for n in range(2 * BATCH_GET_LIMIT + 1)]
    client = ScriptedClient(*({"Responses": {}} for _ in range(3)))

    DynamoDBCatalogue(scripted_table(client)).find(ids)

    batches = [[key["productId"] for key in r["catalogue"]["Keys"]] for r in client.requests]
    assert batches == [ids[:100], ids[100:200], ids[200:]]
    assert all(r["catalogue"]["ConsistentRead"] for r in client.requests)


def test_unprocessed_keys_are_requested_again_until_none_remain() -> None:
    unprocessed = {"catalogue": {"Keys": [{"productId": "STICKERS-10"}], "ConsistentRead": True}}
    client = ScriptedClient(
        {"Responses": {"catalogue": [item("MUG-LAMBDA")]}, "UnprocessedKeys": unprocessed},
        {"Responses": {"catalogue": [item("STICKERS-10")]}, "UnprocessedKeys": {}},
    )

    found = DynamoDBCatalogue(scripted_table(client)).find(["MUG-LAMBDA", "STICKERS-10"])

    assert set(found) == {"MUG-LAMBDA", "STICKERS-10"}
    assert client.requests[1] == unprocessed


def test_no_ids_means_no_request() -> None:
    client = ScriptedClient()

    assert DynamoDBCatalogue(scripted_table(client)).find([]) == {}
    assert client.requests == []
