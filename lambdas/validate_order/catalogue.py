"""The product catalogue in DynamoDB (one item per product, keyed by productId).

The table resource's client (de)serialises attribute values, so items come back as plain
Python values (numbers as Decimal).
"""

from typing import Any

from validate_order.models import Product

BATCH_GET_LIMIT = 100


class DynamoDBCatalogue:
    def __init__(self, table: Any) -> None:
        self._table = table

    def find(self, product_ids: list[str]) -> dict[str, Product]:
        client = self._table.meta.client
        found: dict[str, Product] = {}
        for start in range(0, len(product_ids), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self._table.name: {
                    "Keys": [
                        {"productId": pid} for pid in product_ids[start : start + BATCH_GET_LIMIT]
                    ],
                    "ConsistentRead": True,
                }
            }
            while request:
                response = client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table.name, []):
                    if item["unitPrice"] != int(item["unitPrice"]):
                        raise ValueError(
                            f"catalogue price of {item['productId']} is not whole pence: "
                            f"{item['unitPrice']}"
                        )
                    product = Product(
                        product_id=item["productId"],
                        name=item["name"],
                        unit_price=int(item["unitPrice"]),
                        currency=item["currency"],
                    )
                    found[product.product_id] = product
                request = response.get("UnprocessedKeys") or {}
        return found
