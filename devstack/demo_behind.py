"""The second half of ``make demo``: what runs behind the placed orders.

Fulfilment (a high-value order waits for a reviewer's approval, then is picked, packed,
labelled and shipped) and an inventory import (a good stock file, then a broken one), on the
same embedded stack, through the same code ``make approve`` and ``make import`` use.
"""

import json
import time
from typing import Any

from devstack.approvals import ApprovalQueue, ApprovalRequest
from devstack.embedded_stack import EmbeddedStack
from devstack.imports import find_execution, upload, wait_until_done
from devstack.paths import REPO_ROOT, STOCK_RECEIPT_FILE

WAIT_S = 30.0
HIGH_VALUE_ORDER_ID = "demo-high-value"
HIGH_VALUE_ORDER: dict[str, Any] = {
    "orderId": HIGH_VALUE_ORDER_ID,
    "customer": {"customerId": "cust-007", "email": "grace@example.com", "name": "Grace Hopper"},
    "items": [{"productId": "HEADSET-PRO", "quantity": 1, "unitPrice": 21900}],
    "payment": {"processor": "applepay", "token": "tok_applepay"},
    "currency": "GBP",
}
BROKEN_FILE = "productId,quantity\nMUG-LAMBDA,12\nnot a product!,3\nBOOK-ASL-101,-4\n"


def _order(stack: EmbeddedStack, order_id: str) -> dict[str, Any]:
    item = stack.aws.client("dynamodb").get_item(
        TableName=stack.outputs.tables["orders"], Key={"orderId": {"S": order_id}}
    )["Item"]
    return {name: next(iter(value.values())) for name, value in item.items()}


def _emails(stack: EmbeddedStack, order_id: str) -> list[str]:
    ids = (row["messageId"]["S"] for row in stack.scan("outbox"))
    return sorted(i for i in ids if i.startswith(f"{order_id}#"))


def _until(probe: Any) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.05)
    raise TimeoutError(f"nothing after {WAIT_S:.0f} s")


def show_fulfilment(stack: EmbeddedStack, placed_order_id: str) -> None:
    shipped = _until(lambda: _order(stack, placed_order_id).get("status") == "SHIPPED")
    order = _order(stack, placed_order_id)
    print(f"\nFulfilment of {placed_order_id} (£200 or less, no approval):")
    print(f"   -> {order['status'] if shipped else '?'} by {order['carrier']}, "
          f"tracking {order['trackingNumber']}")  # fmt: skip

    print(f"\nA high-value order, {HIGH_VALUE_ORDER_ID} (£219.00):")
    run = stack.place_order(HIGH_VALUE_ORDER)
    print(f"   -> {run.output['statusCode'] if run.output else run.status}, then fulfilment waits")
    queue = ApprovalQueue(
        stack.aws.client("sqs"),
        stack.aws.client("stepfunctions"),
        stack.outputs.queues["approvals"],
    )
    order_id = HIGH_VALUE_ORDER_ID
    request: ApprovalRequest = _until(
        lambda: next((r for r in queue.pending() if r.order_id == order_id), None)
    )
    print(f"   make approvals:  {request.describe()}")
    print(f"   status now:      {_order(stack, order_id)['status']}")
    queue.decide(order_id, approve=True, reviewer="demo")
    print(f"   make approve ORDER={order_id}")
    _until(lambda: _order(stack, order_id).get("status") == "SHIPPED")
    order = _order(stack, order_id)
    print(f"   -> {order['status']}, approved by {order['approvedBy']}, "
          f"tracking {order['trackingNumber']}")  # fmt: skip
    emails = _until(lambda: _emails(stack, order_id) if len(_emails(stack, order_id)) > 1 else [])
    print(f"   e-mails in the outbox: {', '.join(emails)}")


def _import(stack: EmbeddedStack, name: str, body: bytes) -> dict[str, Any]:
    sfn = stack.aws.client("stepfunctions")
    uploaded = upload(stack.aws.client("s3"), stack.outputs.buckets["imports"], name, body)
    started = find_execution(
        sfn, stack.outputs.state_machines["inventory_import"], uploaded, timeout_s=WAIT_S
    )
    return wait_until_done(sfn, started["executionArn"], WAIT_S)


def show_import(stack: EmbeddedStack) -> None:
    before = stack.stock_levels()
    done = _import(stack, STOCK_RECEIPT_FILE.name, STOCK_RECEIPT_FILE.read_bytes())
    extract = json.loads(done["output"])["extract"] if done["status"] == "SUCCEEDED" else {}
    print(f"\nmake import FILE={STOCK_RECEIPT_FILE.relative_to(REPO_ROOT)}:")
    print(f"   -> {done['status']}: {extract.get('rows')} row(s), {extract.get('units')} unit(s)")
    after = stack.stock_levels()
    for product in sorted(after):
        if after[product] != before.get(product):
            print(f"   {product:<16} {before.get(product, 0):>4} -> {after[product]:>4}")

    done = _import(stack, "broken.csv", BROKEN_FILE.encode())
    print("\nA broken stock file, broken.csv:")
    print(f"   -> {done['status']}: {done.get('error')}; stock unchanged: "
          f"{stack.stock_levels() == after}")  # fmt: skip
    s3 = stack.aws.client("s3")
    report = json.loads(
        s3.get_object(
            Bucket=stack.outputs.buckets["imports"], Key="rejected/broken.csv.report.json"
        )["Body"].read()
    )
    for line in report["badLines"]:
        print(f"   rejected/broken.csv.report.json: line {line['line']}: {line['problem']}")
