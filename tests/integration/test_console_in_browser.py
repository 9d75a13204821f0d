"""The console in a real browser: Debian's Chromium, headless, driven by Playwright for Python,
against the stack deployed on MiniStack (the integration session's) with orders placed through
its API, as a newcomer would after ``make deploy``.

Each test also saves a screenshot of the pages it visits: into ``.local/console-screenshots``,
or, with ``CONSOLE_SCREENSHOTS=docs/console`` (``make console-screenshots``), over the ones the
README shows. Without Chromium the tests skip and say how to get it; ``REQUIRE_BROWSER=1``
(``.ci/run`` sets it) turns that skip into a failure.
"""

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from devstack.asl import load
from devstack.background import LOCAL_DIR
from devstack.console.app import create_app
from devstack.console.reading import Stack
from devstack.diagram import ids_by_name
from devstack.local_stack import client_factory
from devstack.paths import REPO_ROOT, STATEMACHINES_DIR
from tests.integration.conftest import PORT, LocalApi
from tests.integration.test_behind_the_api import eventually

pytestmark = [pytest.mark.integration, pytest.mark.browser]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DEADLINE_S = 90  # an order placed through the API ships and is e-mailed well within this
VIEWPORT = {"width": 1400, "height": 900}


def chromium() -> str:
    """The Chromium to drive: $CHROMIUM, else the first on PATH (Playwright downloads none)."""
    found = os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if found:
        return found
    reason = "no Chromium: install Debian's (apt-get install chromium) or set CHROMIUM=<path>"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def console(local_api: LocalApi) -> Iterator[str]:
    """The console against the deployed stack, on a free port of 127.0.0.1; its URL."""
    app = create_app(Stack(local_api.outputs, client_factory(PORT)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, console: str) -> Iterator[Any]:
    context = browser.new_context(base_url=console, viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the console's pages: {errors}"


def screenshot(page: Any, name: str) -> None:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or LOCAL_DIR / "console-screenshots")
    folder = folder if folder.is_absolute() else REPO_ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def reload_until(page: Any, selector: str) -> Any:
    """Reload the page until ``selector`` matches (what the stack does takes a while)."""

    def shown() -> Any:
        if page.locator(selector).count():
            return page.locator(selector)
        page.reload()
        return None

    return eventually(shown, DEADLINE_S)


def graph_classes(page: Any, workflow: str) -> dict[str, set[str]]:
    """Each state of the rendered graph (by name) with the classes Mermaid gave its node."""
    page.wait_for_selector("body[data-graph]")
    assert page.get_attribute("body", "data-graph") == "rendered", "Mermaid did not render"
    ids = ids_by_name(load(STATEMACHINES_DIR / f"{workflow}.asl.json"))
    nodes = page.eval_on_selector_all(
        "#graph svg g.node, #graph svg g.statediagram-cluster",
        "nodes => nodes.map(n => [n.id, n.getAttribute('class')])",
    )
    classes = {}
    for name, state_id in ids.items():
        marker = f"-state-{state_id}-"
        found = [cls for node_id, cls in nodes if marker in node_id]
        if found:
            classes[name] = set(found[0].split())
    return classes


def place(local_api: LocalApi, order: dict[str, Any]) -> None:
    status, body = local_api.request("POST", "/orders", order)
    assert status == 200, body


def open_execution(page: Any, order_id: str, workflow: str) -> None:
    """From the order's page, open the execution of ``workflow`` that handled it."""
    page.goto(f"/order?id={order_id}")
    reload_until(page, f'#executions tr[data-workflow="{workflow}"] a').click()
    page.wait_for_url("**/execution?arn=**")


def test_an_order_is_followed_from_the_api_call_to_its_email(
    local_api: LocalApi, order: dict[str, Any], page: Any
) -> None:
    order_id = order["orderId"]
    place(local_api, order)

    page.goto("/workflows")
    for workflow in ("order_processing", "order_fulfilment", "pick_pack_label"):
        assert page.locator(f'tr[data-workflow="{workflow}"]').count() == 1
    screenshot(page, "workflows")

    page.get_by_label("orderId").fill(order_id)
    page.get_by_label("orderId").press("Enter")
    reload_until(page, 'tr[data-email="SHIPPED"]')
    assert page.inner_text('tr[data-field="status"] td') == "SHIPPED"
    assert page.locator('tr[data-email="PLACED"]').count() == 1
    screenshot(page, "order")

    page.click('#executions tr[data-workflow="order_processing"] a')
    placement = graph_classes(page, "order_processing")
    for state in ("ValidateOrder", "ClaimOrder", "ReserveInventory", "ChargeStripe", "SaveOrder"):
        assert "succeeded" in placement[state], f"{state}: {placement[state]}"
    assert not placement["ChargePayPal"] & {"succeeded", "failed", "caught", "retried"}
    assert page.locator('#states tr[data-state="SaveOrder"]').count() == 1
    page.click("#graph-zoom")  # natural size, every label readable
    assert page.inner_text("#graph-zoom") == "Fit to width"
    page.click("#graph-zoom")
    screenshot(page, "execution")

    page.click("#order-link")
    page.click('#executions tr[data-workflow="order_fulfilment"] a')
    fulfilment = graph_classes(page, "order_fulfilment")
    for state in ("ClaimFulfilment", "PickPackLabel", "MarkShipped", "SettleStock"):
        assert "succeeded" in fulfilment[state], f"{state}: {fulfilment[state]}"
    assert "succeeded" not in fulfilment["RequestApproval"]  # 200 pounds or less: no review

    page.goto("/executions")
    page.select_option('select[name="workflow"]', "order_fulfilment")
    page.click('form.filters button[type="submit"]')
    assert page.locator("#executions tbody tr").count() >= 1
    assert page.locator("#executions tbody tr").first.get_attribute("class") != ""
    screenshot(page, "executions")


def test_an_order_above_200_pounds_is_approved_from_the_approvals_page(
    local_api: LocalApi, order: dict[str, Any], page: Any
) -> None:
    order_id = order["orderId"]
    order["items"] = [{"productId": "BOOK-ASL-101", "quantity": 9, "unitPrice": 2499}]  # 224.91
    place(local_api, order)

    page.goto("/approvals")
    row = reload_until(page, f'tr[data-order="{order_id}"]')
    screenshot(page, "approvals")
    row.get_by_placeholder("your name").fill("grace")
    row.get_by_role("button", name="Approve").click()

    assert page.inner_text(".flash.ok") == f"order {order_id}: approved by grace"
    assert page.locator(f'tr[data-order="{order_id}"]').count() == 0
    open_execution(page, order_id, "order_fulfilment")
    reload_until(page, "h1 .status.succeeded")
    fulfilment = graph_classes(page, "order_fulfilment")
    for state in ("RequestApproval", "MarkApproved", "PickPackLabel", "NotifyShipped"):
        assert "succeeded" in fulfilment[state], f"{state}: {fulfilment[state]}"
    page.click("#order-link")
    assert page.inner_text('tr[data-field="approvedBy"] td') == "grace"


@pytest.fixture
def poisoned_review_queue(local_api: LocalApi) -> Iterator[Callable[[], int]]:
    """A message the review consumer cannot read, already moved to the review DLQ after its
    three receives (the queue's visibility timeout cut to 1 s meanwhile, so that takes seconds
    rather than minutes); yields a probe of the DLQ's depth, and leaves both queues as found."""
    sqs, queues = local_api.client("sqs"), local_api.outputs.queues
    review, dlq = queues["review"], queues["review-dlq"]
    found = sqs.get_queue_attributes(QueueUrl=review, AttributeNames=["VisibilityTimeout"])

    def dead() -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    sqs.set_queue_attributes(QueueUrl=review, Attributes={"VisibilityTimeout": "1"})
    try:
        sqs.send_message(QueueUrl=review, MessageBody=json.dumps({"poison": True}))
        eventually(lambda: dead() == 1, DEADLINE_S)  # after its three receives
        yield dead
    finally:
        sqs.set_queue_attributes(QueueUrl=review, Attributes=found["Attributes"])
        sqs.purge_queue(QueueUrl=dlq)


def test_a_poisoned_message_is_redriven_from_the_queues_page(
    poisoned_review_queue: Callable[[], int], page: Any
) -> None:
    page.goto("/queues")
    assert page.inner_text('tr[data-queue="review"] td.dead') == "1"
    screenshot(page, "queues")

    page.click('tr[data-queue="review"] button:has-text("Redrive")')

    assert page.inner_text(".flash.ok") == (
        "review: 1 message(s) moved back from its dead-letter queue"
    )
    # The consumer refuses it again, three receives later it is back in the DLQ.
    eventually(lambda: poisoned_review_queue() == 1, DEADLINE_S)
    page.reload()
    assert page.inner_text('tr[data-queue="review"] td.dead') == "1"
