"""statemachines/order_processing.asl.json, executed with the real handlers on moto.

Each test asserts the side effects (stock, order rows, charges, messages), not only the
status the API would return.
"""

import concurrent.futures
from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack
from devstack.fast_clock import FastClock
from tests.workflows.conftest import Observers

pytestmark = pytest.mark.workflow


def order_row(stack: EmbeddedStack, order_id: str) -> dict[str, Any] | None:
    rows = [r for r in stack.scan("orders") if r["orderId"]["S"] == order_id]
    assert len(rows) <= 1
    return rows[0] if rows else None


def charges(stack: EmbeddedStack, order_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in stack.scan("payments")
        if r.get("orderId", {}).get("S") == order_id
        and not r["paymentId"]["S"].startswith("attempts#")
    ]


def claim(stack: EmbeddedStack, order_id: str) -> dict[str, Any] | None:
    rows = [r for r in stack.scan("idempotency") if r["id"]["S"] == f"order#{order_id}"]
    return rows[0] if rows else None


def written_rows(stack: EmbeddedStack) -> dict[str, int]:
    return {table: len(stack.scan(table)) for table in ("orders", "payments", "idempotency")}


def test_order_with_several_items_is_placed_with_two_lambda_invocations(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock_levels()
    order = make_order(("MUG-LAMBDA", 2), ("STICKERS-10", 3), ("BOOK-ASL-101", 1))

    run = stack.place_order(order)

    assert run.status == "SUCCEEDED"
    assert run.output["statusCode"] == 200
    body = run.output["body"]
    assert body["status"] == "PLACED"
    assert body["total"] == 2 * 1299 + 3 * 350 + 2499
    assert [line["lineTotal"] for line in body["items"]] == [2598, 1050, 2499]
    after = stack.stock_levels()
    assert after["MUG-LAMBDA"] == before["MUG-LAMBDA"] - 2
    assert after["STICKERS-10"] == before["STICKERS-10"] - 3
    assert after["BOOK-ASL-101"] == before["BOOK-ASL-101"] - 1
    row = order_row(stack, order_id)
    assert row is not None
    assert row["status"]["S"] == "PLACED"
    assert int(row["total"]["N"]) == body["total"]
    assert row["paymentId"]["S"] == body["paymentId"]
    [charge] = charges(stack, order_id)
    assert charge["status"]["S"] == "CAPTURED"
    assert int(charge["amount"]["N"]) == body["total"]
    [notification] = observers.notifications()
    assert notification == {
        "orderId": order_id,
        "email": "ada@example.com",
        "total": body["total"],
        "currency": "GBP",
        "status": "PLACED",
    }
    [event] = observers.events("OrderPlaced")
    assert event["detail-type"] == "OrderPlaced"
    assert event["detail"]["orderId"] == order_id
    assert event["detail"]["total"] == body["total"]
    assert "email" not in event["detail"]
    assert run.lambda_invocations == 2
    assert [i.function_name for i in stack.aws.runtime.invocations][:2] == [
        "orders-local-validate-order",
        "orders-local-process-payment",
    ]
    assert claim(stack, order_id)["status"]["S"] == "COMPLETED"


@pytest.mark.parametrize(
    "processor, task", [("paypal", "ChargePayPal"), ("applepay", "ChargeApplePay")]
)
def test_each_processor_is_charged_through_its_own_task(
    stack: EmbeddedStack, make_order, order_id: str, processor: str, task: str
) -> None:
    run = stack.place_order(make_order(("MUG-LAMBDA", 1), processor=processor))

    assert run.output["statusCode"] == 200
    assert task in [visit.name for visit in run.visits]
    [charge] = charges(stack, order_id)
    assert charge["processor"]["S"] == processor


def _without(order: dict[str, Any], *path: str) -> dict[str, Any]:
    target = order
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return order


BAD_REQUESTS = {
    "missing orderId": (lambda o: _without(o, "orderId"), "orderId"),
    "orderId a number": (lambda o: {**o, "orderId": 7}, "orderId"),
    "missing customer": (lambda o: _without(o, "customer"), "customer.customerId"),
    "missing email": (lambda o: _without(o, "customer", "email"), "customer.email"),
    "missing token": (lambda o: _without(o, "payment", "token"), "payment.token"),
    "unknown processor": (
        lambda o: {**o, "payment": {"processor": "cash", "token": "t"}},
        "payment.processor",
    ),
    "missing items": (lambda o: _without(o, "items"), "items"),
    "empty items": (lambda o: {**o, "items": []}, "items"),
    "items not a list": (lambda o: {**o, "items": {"productId": "MUG-LAMBDA"}}, "items"),
    "quantity zero": (
        lambda o: {**o, "items": [{**o["items"][0], "quantity": 0}]},
        "items[].quantity",
    ),
    "quantity negative": (
        lambda o: {**o, "items": [{**o["items"][0], "quantity": -2}]},
        "items[].quantity",
    ),
    "quantity fractional": (
        lambda o: {**o, "items": [{**o["items"][0], "quantity": 1.5}]},
        "items[].quantity",
    ),
    "quantity a string": (
        lambda o: {**o, "items": [{**o["items"][0], "quantity": "2"}]},
        "items[].quantity",
    ),
    "quantity huge": (
        lambda o: {**o, "items": [{**o["items"][0], "quantity": 10**12}]},
        "items[].quantity",
    ),
    "quantity missing": (lambda o: _without(o, "items", 0, "quantity"), "items[].quantity"),  # type: ignore[arg-type]
    "productId missing": (lambda o: _without(o, "items", 0, "productId"), "items[].productId"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_request_of_the_wrong_shape_gets_400_naming_the_field_and_writes_nothing(
    stack: EmbeddedStack, observers: Observers, make_order, case: str
) -> None:
    mutate, field = BAD_REQUESTS[case]
    before_rows, before_stock = written_rows(stack), stack.stock_levels()

    run = stack.place_order(mutate(make_order(("MUG-LAMBDA", 1), ("STICKERS-10", 1))))

    assert run.output["statusCode"] == 400
    assert run.output["body"]["status"] == "REJECTED"
    assert run.output["body"]["error"]["message"].startswith(f"{field}:")
    assert run.lambda_invocations == 0, "shape checks run in ASL, before any Lambda"
    assert written_rows(stack) == before_rows
    assert stack.stock_levels() == before_stock
    assert observers.notifications() == [] and observers.events() == []


@pytest.mark.parametrize(
    "lines, mutate, field",
    [
        ((("MUG-LAMBDA", 1), ("NO-SUCH-THING", 1)), lambda o: o, "items[1].productId"),
        (
            (("MUG-LAMBDA", 1),),
            lambda o: {**o, "items": [{**o["items"][0], "unitPrice": 1}]},
            "items[0].unitPrice",
        ),
        ((("MUG-LAMBDA", 1), ("MUG-LAMBDA", 2)), lambda o: o, "items[1].productId"),
        ((("MUG-LAMBDA", 1),), lambda o: {**o, "orderId": "has spaces"}, "orderId"),
        ((("MUG-LAMBDA", 1),), lambda o: {**o, "currency": "EUR"}, "currency"),
    ],
    ids=["unknown product", "price mismatch", "repeated product", "orderId pattern", "currency"],
)
def test_order_breaking_a_business_rule_gets_400_naming_the_field_and_writes_nothing(
    stack: EmbeddedStack, observers: Observers, make_order, lines, mutate, field: str
) -> None:
    before_rows, before_stock = written_rows(stack), stack.stock_levels()

    run = stack.place_order(mutate(make_order(*lines)))

    assert run.output["statusCode"] == 400
    assert run.output["body"]["error"]["type"] == "ValidationError"
    assert run.output["body"]["error"]["message"].startswith(f"{field}:")
    assert written_rows(stack) == before_rows
    assert stack.stock_levels() == before_stock
    assert observers.notifications() == [] and observers.events() == []


@pytest.mark.parametrize("payload", [[], "an order", 42, None])
def test_input_that_is_not_an_object_gets_400(stack: EmbeddedStack, payload: Any) -> None:
    run = stack.place_order(payload)

    assert run.output["statusCode"] == 400
    assert run.output["body"]["error"]["message"].startswith("orderId:")


def test_second_of_three_items_out_of_stock_releases_the_first_and_saves_nothing(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock_levels()
    order = make_order(("MUG-LAMBDA", 2), ("POSTER-LIMITED", 2), ("STICKERS-10", 1))

    run = stack.place_order(order)

    assert run.output["statusCode"] == 409
    assert run.output["body"]["status"] == "OUT_OF_STOCK"
    outcomes = {line["productId"]: line["outcome"] for line in run.output["body"]["error"]["items"]}
    assert outcomes["POSTER-LIMITED"] == "OUT_OF_STOCK"
    assert stack.stock_levels() == before, "every reserved line is released"
    released = [v.name for v in run.visits].count("ReleaseItem")
    assert released == list(outcomes.values()).count("RESERVED")
    assert order_row(stack, order_id) is None
    assert charges(stack, order_id) == []
    assert run.lambda_invocations == 1, "payment is never attempted"
    assert observers.notifications() == [] and observers.events() == []


def test_declined_payment_returns_all_stock_and_answers_402_with_the_reason(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock_levels()

    run = stack.place_order(
        make_order(("MUG-LAMBDA", 2), ("TEE-EVENTS-M", 1), token="tok_decline_insufficient_funds")
    )

    assert run.output["statusCode"] == 402
    assert run.output["body"]["status"] == "DECLINED"
    assert "insufficient_funds" in run.output["body"]["error"]["message"]
    assert stack.stock_levels() == before
    assert order_row(stack, order_id) is None
    assert charges(stack, order_id) == []
    assert observers.notifications() == [] and observers.events() == []
    assert [v.name for v in run.visits].count("ChargeStripe") == 1, "a decline is never retried"


@pytest.mark.parametrize(
    "token, error",
    [("tok_unavailable_2", "ProcessorUnavailable"), ("tok_throttle_2", "ProcessorThrottled")],
)
def test_transient_payment_fault_is_retried_with_backoff_then_placed_once(
    stack: EmbeddedStack, fast_clock: FastClock, make_order, order_id: str, token: str, error: str
) -> None:
    before = stack.stock("MUG-LAMBDA")

    run = stack.place_order(make_order(("MUG-LAMBDA", 1), token=token))

    assert run.output["statusCode"] == 200
    [charge_visit] = [v for v in run.visits if v.name == "ChargeStripe"]
    assert charge_visit.failures == [error, error]
    assert fast_clock.requested_sleeps == [1.0, 2.0], "production intervals, backoff rate 2"
    assert len(charges(stack, order_id)) == 1
    assert stack.stock("MUG-LAMBDA") == before - 1
    assert run.lambda_invocations == 4


def test_payment_fault_that_outlasts_the_retries_releases_stock_and_frees_the_order_id(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    before = stack.stock_levels()

    run = stack.place_order(make_order(("MUG-LAMBDA", 1), token="tok_unavailable_9"))

    assert run.output["statusCode"] == 500
    assert run.output["body"]["error"]["type"] == "ProcessorUnavailable"
    assert stack.stock_levels() == before
    assert charges(stack, order_id) == []
    assert claim(stack, order_id) is None, "a 500 lets the client retry the same orderId"


def test_same_order_submitted_twice_reserves_and_charges_once_and_replays_the_first_result(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock("MUG-LAMBDA")
    order = make_order(("MUG-LAMBDA", 3))

    first = stack.place_order(order)
    second = stack.place_order(order)

    assert first.output["statusCode"] == 200
    assert second.output == first.output
    assert stack.stock("MUG-LAMBDA") == before - 3
    assert order_row(stack, order_id) is not None
    assert len(charges(stack, order_id)) == 1
    assert len(observers.notifications()) == 1
    assert len(observers.events("OrderPlaced")) == 1
    assert "ReserveInventory" not in [v.name for v in second.visits]


def test_declined_order_submitted_again_gets_the_same_402_without_charging(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    order = make_order(("MUG-LAMBDA", 1), token="tok_decline_card_expired")

    first, second = stack.place_order(order), stack.place_order(order)

    assert first.output["statusCode"] == second.output["statusCode"] == 402
    assert second.output == first.output
    assert "ProcessPayment" not in [v.name for v in second.visits]


def test_same_order_submitted_concurrently_is_placed_exactly_once(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    before = stack.stock("STICKERS-10")
    order = make_order(("STICKERS-10", 4))

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda _: stack.place_order(order), range(3)))

    codes = sorted(run.output["statusCode"] for run in runs)
    assert codes.count(200) >= 1
    assert set(codes) <= {200, 409}
    for run in runs:
        if run.output["statusCode"] == 409:
            assert run.output["body"]["status"] == "IN_PROGRESS"
    assert stack.stock("STICKERS-10") == before - 4
    assert len(charges(stack, order_id)) == 1


def test_order_that_cannot_be_saved_is_refunded_and_its_stock_released(
    stack: EmbeddedStack, observers: Observers, make_order, order_id: str
) -> None:
    # An order row that already exists makes SaveOrder's attribute_not_exists condition fail.
    stack.aws.client("dynamodb").put_item(
        TableName=stack.outputs.tables["orders"],
        Item={"orderId": {"S": order_id}, "status": {"S": "IMPORTED"}},
    )
    observers.events()  # the existing row's own OrderStatusChanged, from the stream
    before = stack.stock_levels()

    run = stack.place_order(make_order(("KEYBOARD-60", 1)))

    assert run.output["statusCode"] == 500
    assert "refunded" in run.output["body"]["error"]["message"]
    [charge] = charges(stack, order_id)
    assert charge["status"]["S"] == "REFUNDED"
    assert stack.stock_levels() == before
    assert order_row(stack, order_id)["status"]["S"] == "IMPORTED"
    assert observers.notifications() == [] and observers.events() == []
    assert run.lambda_invocations == 3
