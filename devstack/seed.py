"""Load the product catalogue and starting stock that ship in ``devstack/data/catalogue.json``."""

import json
from pathlib import Path
from typing import Any

from devstack.paths import CATALOGUE_FILE


def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Any]:
    catalogue: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return catalogue


def seed_catalogue_and_stock(
    dynamodb: Any, catalogue_table: str, inventory_table: str, path: Path = CATALOGUE_FILE
) -> int:
    """Write every product and its stock level; return how many products were written."""
    catalogue = load_catalogue(path)
    products = catalogue["products"]
    for product in products:
        dynamodb.put_item(
            TableName=catalogue_table,
            Item={
                "productId": {"S": product["productId"]},
                "name": {"S": product["name"]},
                "unitPrice": {"N": str(product["unitPrice"])},
                "currency": {"S": catalogue["currency"]},
            },
        )
        dynamodb.put_item(
            TableName=inventory_table,
            Item={
                "productId": {"S": product["productId"]},
                "quantity": {"N": str(product["stock"])},
            },
        )
    return len(products)
