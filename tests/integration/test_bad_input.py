"""Bad input at the API, on the deployed stack: each request gets a clear error naming the
problem, and every table, queue and bucket is left exactly as it was.

The requests go through the local gateway (the schema and mapping templates Terraform
deploys) and, when the schema lets them through, the real workflow on MiniStack.
"""

import time
from collections.abc import Callable
from typing import Any

import pytest

from devstack.stack import STATE_MACHINES
from tests import stack_snapshot
from tests.integration.conftest import LocalApi

# ruff: noqa: E501 - the table reads best one case per line

pytestmark = pytest.mark.integration

Mutation = Callable[[dict[str, Any]], Any]


def snapshot(api: LocalApi) -> dict[str, Any]:
    return stack_snapshot.snapshot(api.client, api.outputs)


def settled(api: LocalApi, timeout_s: float = 60) -> dict[str, Any]:
    """A snapshot once earlier tests' background work (fulfilment, queues) has finished."""
    sfn, deadline = api.client("stepfunctions"), time.monotonic() + timeout_s
    previous = None
    while time.monotonic() < deadline:
        running = [
            execution
            for machine in STATE_MACHINES
            if machine.type == "STANDARD"
            for execution in sfn.list_executions(
                stateMachineArn=api.outputs.state_machines[machine.key], statusFilter="RUNNING"
            )["executions"]
        ]
        current = snapshot(api)
        if not running and current == previous:
            return current
        previous = current
        time.sleep(0.5)
    pytest.fail("the stack did not settle: background work still running")


def without(*path: str) -> Mutation:
    def mutate(order: dict[str, Any]) -> dict[str, Any]:
        parent = order
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        return order

    return mutate


def setting(value: Any, *path: str | int) -> Mutation:
    def mutate(order: dict[str, Any]) -> dict[str, Any]:
        parent: Any = order
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
        return order

    return mutate


OVERSIZED_NAME = "x" * (300 * 1024)  # the whole body above 256 KiB, Step Functions' input limit

# (case, how to break the order, status, what the error message must say)
CASES: list[tuple[str, Mutation | bytes, int, str]] = [
    ("malformed JSON", b'{"orderId": "x", ', 400, "body: not valid JSON"),
    ("empty body", b"", 400, "body: None is not of type 'object'"),
    ("an array, not an object", lambda order: [order], 400, "is not of type 'object'"),
    ("quantity as a string", setting("2", "items", 0, "quantity"), 400, "items[0].quantity: '2' is not of type 'integer'"),
    ("quantity as a float", setting(1.5, "items", 0, "quantity"), 400, "items[0].quantity: 1.5 is not of type 'integer'"),
    ("customer as a list", setting([], "customer"), 400, "customer: [] is not of type 'object'"),
    ("missing payment", without("payment"), 400, "'payment' is a required property"),
    ("missing customer email", without("customer", "email"), 400, "'email' is a required property"),
    ("no items", setting([], "items"), 400, "items: []"),
    ("extra field", setting("yes", "giftWrap"), 400, "('giftWrap' was unexpected)"),
    ("extra field in an item", setting(1, "items", 0, "discount"), 400, "('discount' was unexpected)"),
    ("negative quantity", setting(-1, "items", 0, "quantity"), 400, "items[0].quantity: -1 is less than the minimum of 1"),
    ("zero quantity", setting(0, "items", 0, "quantity"), 400, "items[0].quantity: 0 is less than the minimum of 1"),
    ("huge quantity", setting(10**12, "items", 0, "quantity"), 400, "items[0].quantity: 1000000000000 is greater than the maximum of 1000"),
    ("negative price", setting(-5, "items", 0, "unitPrice"), 400, "items[0].unitPrice: -5 is less than the minimum of 0"),
    ("price that is not the catalogue's", setting(1, "items", 0, "unitPrice"), 400, "items[0].unitPrice"),
    ("unknown product", setting("NO-SUCH-THING", "items", 0, "productId"), 400, "items[0].productId"),
    ("unknown processor", setting("bitcoin", "payment", "processor"), 400, "payment.processor: 'bitcoin' is not one of"),
    ("unicode in the orderId", setting("ordér-1", "orderId"), 400, "orderId: 'ordér-1' does not match"),
    ("control character in the customerId", setting("cust\u0007", "customer", "customerId"), 400, "customer.customerId: 'cust\\x07' does not match"),
    ("NUL in a product id", setting("MUG\u0000", "items", 0, "productId"), 400, "items[0].productId: 'MUG\\x00' does not match"),
    ("newline in the name", setting("Ada\nLovelace", "customer", "name"), 400, "customer.name: 'Ada\\nLovelace' does not match"),
    ("e-mail without an @", setting("ada.example.com", "customer", "email"), 400, "customer.email: 'ada.example.com' does not match"),
    ("body above 256 KiB", setting(OVERSIZED_NAME, "customer", "name"), 400, "customer.name: 'xxxxx"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "breaking", "status", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_request_gets_an_error_naming_the_problem_and_changes_nothing(
    local_api: LocalApi,
    order: dict[str, Any],
    case: str,
    breaking: Mutation | bytes,
    status: int,
    message: str,
) -> None:
    body = breaking if isinstance(breaking, bytes) else breaking(order)
    before = settled(local_api)

    answered, response = local_api.request("POST", "/orders", body)

    assert (answered, response["status"]) == (status, "REJECTED"), response
    assert response["error"]["type"] == "ValidationError"
    assert message in response["error"]["message"], response["error"]["message"]
    assert len(response["error"]["message"]) < 1000, "a bad value is named, never echoed whole"
    assert snapshot(local_api) == before


def test_unicode_where_people_write_it_is_accepted(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    """And the snapshot the table above compares does see an order's writes."""
    order["customer"]["name"] = "Zoë Ångström-Łukasiewicz 王小明 🚀"
    before = settled(local_api)

    status, body = local_api.request("POST", "/orders", order)

    assert status == 200, body
    assert snapshot(local_api)["tables"] != before["tables"]
    assert local_api.request("GET", f"/orders/{order['orderId']}")[1]["status"] == "PLACED"
