"""The local console's pages and actions (devstack/console), served by Flask's test client
against the embedded stack: the same reads and actions the browser tests drive."""

import importlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from flask.testing import FlaskClient

from devstack.asl import load
from devstack.console.app import create_app
from devstack.console.reading import EMAILED_STATUSES, UNLISTED_TYPE, Stack
from devstack.diagram import ids_by_name
from devstack.embedded_stack import EmbeddedStack
from devstack.fault_injection import Fault
from devstack.paths import STATEMACHINES_DIR
from devstack.provision import StackOutputs
from tests.workflows.conftest import Observers
from tests.workflows.waiting import has_messages, stopped, wait_until

pytestmark = pytest.mark.workflow

FIRST_RENDER_BUDGET_S = 0.3
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _console(stack: EmbeddedStack, actions: bool = True) -> FlaskClient:
    app = create_app(Stack(stack.outputs, stack.aws.client), actions=actions)
    return app.test_client()


@pytest.fixture
def console(stack: EmbeddedStack) -> FlaskClient:
    return _console(stack)


def _page(console: FlaskClient, path: str) -> str:
    answer = console.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data(as_text=True)


def _token(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def test_the_workflows_page_lists_every_workflow_with_its_type_and_counts(
    console: FlaskClient, stack: EmbeddedStack, make_order: Any
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))

    page = _page(console, "/workflows")

    for key in ("order_processing", "order_fulfilment", "pick_pack_label", "inventory_import"):
        assert f'data-workflow="{key}"' in page
    assert "express" in page and "standard" in page
    assert "status=SUCCEEDED" in page  # a count that links to its executions


def test_an_execution_shows_its_path_on_the_graph_and_each_state(
    console: FlaskClient, stack: EmbeddedStack, make_order: Any, order_id: str
) -> None:
    run = stack.place_order(make_order(("MUG-LAMBDA", 1), ("STICKERS-10", 2)))

    listed = _page(console, "/executions?workflow=order_processing&status=SUCCEEDED")
    assert order_id in listed
    page = _page(console, f"/execution?arn={quote(run.execution_arn)}")

    graph = page[page.index('<pre class="mermaid"') : page.index("</pre>", page.index("mermaid"))]
    assert graph.count("stateDiagram-v2") == 1
    succeeded = re.search(r"class ([\w,]+) succeeded", graph)
    assert succeeded, graph
    ids = ids_by_name(load(STATEMACHINES_DIR / "order_processing.asl.json"))
    for state in ("ValidateOrder", "ClaimOrder", "ReserveItem", "ChargeStripe", "SaveOrder"):
        assert ids[state] in succeeded.group(1).split(","), f"{state} not on the path"
        assert f'data-state="{state}"' in page
    assert ids["ChargePayPal"] not in succeeded.group(1).split(",")  # not taken
    assert "/vendor/mermaid.min.js" in page


def test_a_retried_state_is_shown_as_retried(
    console: FlaskClient, stack: EmbeddedStack, faults: Any, make_order: Any
) -> None:
    faults.fail("SaveOrder", Fault("DynamoDB.ThrottlingException"), times=1)
    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    page = _page(console, f"/execution?arn={quote(run.execution_arn)}")

    retried = re.search(r"class ([\w,]+) retried", page)
    assert retried and "SaveOrder" in retried.group(1).split(","), page
    row = page[page.index('data-state="SaveOrder"') :]
    assert "DynamoDB.ThrottlingException" in row[: row.index("</tr>")]


def test_an_unknown_execution_or_filter_is_refused_by_name(console: FlaskClient) -> None:
    missing = console.get("/execution?arn=arn:aws:states:eu-west-2:1:execution:nope:x")
    assert missing.status_code == 404
    bad = console.get("/executions?status=LOST")
    assert bad.status_code == 400 and "LOST" in bad.get_data(as_text=True)


@pytest.fixture
def awaiting_approval(
    stack: EmbeddedStack, observers: Observers, make_order: Any, order_id: str
) -> Iterator[str]:
    """A placed order above 200 pounds whose fulfilment waits for a reviewer; its ARN."""
    placed = stack.place_order(make_order(("HEADSET-PRO", 1)))
    assert placed.output is not None and placed.output["statusCode"] == 200
    [event] = [e for e in observers.events("OrderPlaced") if e["detail"]["orderId"] == order_id]
    sfn = stack.aws.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.outputs.state_machines["order_fulfilment"],
        name=f"{order_id}-fulfil",
        input=json.dumps(event),
    )["executionArn"]
    sqs, approvals = stack.aws.client("sqs"), stack.outputs.queues["approvals"]
    wait_until(lambda: "no approval request", lambda: has_messages(sqs, approvals))
    yield arn


def test_approving_from_the_approvals_page_ships_the_order(
    console: FlaskClient, stack: EmbeddedStack, awaiting_approval: str, order_id: str
) -> None:
    page = _page(console, "/approvals")
    assert f'data-order="{order_id}"' in page

    answer = console.post(
        f"/approvals/{order_id}",
        data={"csrf_token": _token(page), "decision": "approve", "reviewer": "grace"},
        follow_redirects=True,
    )

    assert answer.status_code == 200
    assert f"order {order_id}: approved by grace" in answer.get_data(as_text=True)
    sfn = stack.aws.client("stepfunctions")
    ended = wait_until(lambda: "fulfilment still running", lambda: stopped(sfn, awaiting_approval))
    assert ended["status"] == "SUCCEEDED"
    order = stack.aws.client("dynamodb").get_item(
        TableName=stack.outputs.tables["orders"], Key={"orderId": {"S": order_id}}
    )["Item"]
    assert order["status"]["S"] == "SHIPPED"


def test_the_order_page_follows_an_order_from_placement_to_its_emails(
    console: FlaskClient, stack: EmbeddedStack, awaiting_approval: str, order_id: str
) -> None:
    page = _page(console, "/approvals")
    console.post(
        f"/approvals/{order_id}",
        data={"csrf_token": _token(page), "decision": "approve", "reviewer": "grace"},
    )
    sfn, dynamodb = stack.aws.client("stepfunctions"), stack.aws.client("dynamodb")
    wait_until(lambda: "fulfilment still running", lambda: stopped(sfn, awaiting_approval))
    wait_until(
        lambda: "no SHIPPED e-mail",
        lambda: dynamodb.get_item(
            TableName=stack.outputs.tables["outbox"],
            Key={"messageId": {"S": f"{order_id}#SHIPPED"}},
        ).get("Item"),
    )

    page = _page(console, f"/order?id={order_id}")

    assert '<tr data-field="status"><th>status</th><td>SHIPPED</td></tr>' in page
    assert '<tr data-field="approvedBy"><th>approvedBy</th><td>grace</td></tr>' in page
    assert page.index('data-workflow="order_processing"') < page.index(
        'data-workflow="order_fulfilment"'
    )
    assert f"/execution?arn={awaiting_approval}" in page  # links to the fulfilment graph
    assert 'data-email="PLACED"' in page and 'data-email="SHIPPED"' in page
    # and each execution's page links back to the order
    execution = _page(console, f"/execution?arn={quote(awaiting_approval)}")
    assert f'href="/order?id={order_id}"' in execution


def test_an_unknown_order_is_refused_by_name(console: FlaskClient) -> None:
    missing = console.get("/order?id=never-placed")
    assert missing.status_code == 404 and "never-placed" in missing.get_data(as_text=True)
    assert console.get("/order?id=").status_code == 400


def test_the_order_page_knows_every_status_the_notifier_emails() -> None:
    subjects = importlib.import_module("notifier.logic").SUBJECTS
    assert tuple(subjects) == EMAILED_STATUSES


def test_an_action_without_the_csrf_token_or_with_actions_off_is_refused(
    stack: EmbeddedStack, console: FlaskClient, awaiting_approval: str, order_id: str
) -> None:
    forged = console.post(f"/approvals/{order_id}", data={"decision": "approve"})
    assert forged.status_code == 403 and "CSRF" in forged.get_data(as_text=True)

    read_only = _console(stack, actions=False)
    page = _page(read_only, "/approvals")
    assert "read-only" in page and "csrf_token" not in page.split("<main>")[1]
    refused = read_only.post(
        f"/approvals/{order_id}", data={"csrf_token": "x", "decision": "approve"}
    )
    assert refused.status_code == 403
    assert f'data-order="{order_id}"' in _page(console, "/approvals")  # still waiting


def test_redrive_from_the_queues_page_moves_dead_letters_back(
    console: FlaskClient, stack: EmbeddedStack
) -> None:
    sqs, queues = stack.aws.client("sqs"), stack.outputs.queues
    sqs.send_message(QueueUrl=queues["review-dlq"], MessageBody=json.dumps({"poison": True}))
    page = _page(console, "/queues")
    row = page[page.index('data-queue="review"') :]
    assert '<td class="number dead">1</td>' in row[: row.index("</tr>")]

    answer = console.post(
        "/queues/review/redrive", data={"csrf_token": _token(page)}, follow_redirects=True
    )

    assert "review: 1 message(s) moved back" in answer.get_data(as_text=True)
    # The review consumer refuses the poison again: three receives, back in the DLQ.
    returned = sqs.receive_message(QueueUrl=queues["review-dlq"], MaxNumberOfMessages=10)
    [message] = returned["Messages"]
    assert json.loads(message["Body"]) == {"poison": True}
    # Leave the shared stack's dead-letter queue as it was for the tests that follow.
    sqs.delete_message(QueueUrl=queues["review-dlq"], ReceiptHandle=message["ReceiptHandle"])


class ExpressAsOnAws:
    """Step Functions answering as AWS does for an Express workflow: no list, no description."""

    def __init__(self, real: Any, express_arn: str) -> None:
        self._real, self._express = real, express_arn
        self._machine = express_arn.rsplit(":", 1)[-1]

    def list_executions(self, **arguments: Any) -> Any:
        if arguments["stateMachineArn"] == self._express:
            raise ClientError({"Error": {"Code": UNLISTED_TYPE}}, "ListExecutions")
        return self._real.list_executions(**arguments)

    def describe_execution(self, executionArn: str) -> Any:  # noqa: N803 (boto3's name)
        if f":{self._machine}:" in executionArn:
            raise ClientError({"Error": {"Code": "ExecutionDoesNotExist"}}, "DescribeExecution")
        return self._real.describe_execution(executionArn=executionArn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_express_workflows_aws_does_not_list_are_named_not_broken(
    stack: EmbeddedStack, make_order: Any, order_id: str
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))
    express = ExpressAsOnAws(
        stack.aws.client("stepfunctions"), stack.outputs.state_machines["order_processing"]
    )
    clients = {"stepfunctions": express}
    app = create_app(Stack(stack.outputs, lambda name: clients.get(name) or stack.aws.client(name)))
    console = app.test_client()

    workflows = _page(console, "/workflows")
    row = workflows[workflows.index('data-workflow="order_processing"') :]
    assert "AWS lists no express executions" in row[: row.index("</tr>")]
    assert "status=SUCCEEDED" in workflows  # the Standard ones are still counted
    order = _page(console, f"/order?id={order_id}")
    assert '<tr data-field="status"><th>status</th><td>PLACED</td></tr>' in order
    assert 'data-workflow="order_processing"' not in order


def test_no_page_shows_the_credentials(console: FlaskClient, stack: EmbeddedStack) -> None:
    credentials = stack.aws.client("sts")._request_signer._credentials
    secrets = {credentials.access_key, credentials.secret_key}
    for path in ("/workflows", "/executions", "/approvals", "/queues"):
        page = _page(console, path)
        assert not any(secret and secret in page for secret in secrets), path


def test_the_executions_page_renders_1000_executions_in_under_300_ms(
    stack: EmbeddedStack,
) -> None:
    sfn = stack.aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"console-bench-{uuid.uuid4().hex[:8]}",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{stack.outputs.account}:role/console-bench",
    )["stateMachineArn"]
    for n in range(1000):
        sfn.start_execution(stateMachineArn=machine, name=f"run-{n}")
    outputs = StackOutputs(stack.outputs.region, stack.outputs.account)
    outputs.state_machines["order_processing"] = machine  # one workflow, 1,000 executions
    console = create_app(Stack(outputs, stack.aws.client)).test_client()
    # The first visit compiles the templates and reads all 1,000 (ten ListExecutions pages);
    # every later render reads only what is new (reading.Stack._recent_executions).
    console.get("/executions")

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page = _page(console, "/executions")
        timings.append(time.perf_counter() - started)

    assert page.count('<tr class="') == 1000
    assert sorted(timings)[2] < FIRST_RENDER_BUDGET_S, f"median {sorted(timings)[2]:.3f} s"
