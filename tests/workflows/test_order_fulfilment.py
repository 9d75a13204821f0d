"""Fulfilment (Standard): OrderPlaced on the bus -> approval for high-value orders -> pick,
pack and label (nested Express, .sync:2) -> SHIPPED and the customer told; a rejected or
unanswered order releases its stock and is refunded.

The rule that starts fulfilment is enabled only while a test here runs (the ``fulfilment``
fixture); decisions go through ``devstack.approvals``, the code behind ``make approve``.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.approvals import ApprovalExpired, ApprovalQueue, ApprovalRequest, NoPendingApproval
from devstack.embedded_stack import EmbeddedStack
from devstack.executions import read_history
from devstack.fast_clock import fast_interpreter_clock
from shared.errors import CarrierUnavailable
from tests.workflows.conftest import FULFILMENT_RULE, Observers

pytestmark = pytest.mark.workflow

HIGH_VALUE = ("HEADSET-PRO", 1)  # £219.00: above the £200 approval threshold
LOW_VALUE = ("MUG-LAMBDA", 2)
LABEL_FUNCTION = "orders-local-shipping-label"


class Fulfilment:
    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack
        self.sfn = stack.aws.client("stepfunctions")
        self.approvals = ApprovalQueue(
            stack.aws.client("sqs"), self.sfn, stack.outputs.queues["approvals"]
        )

    def order(self, order_id: str) -> dict[str, Any]:
        return dict(
            self.stack.aws.client("dynamodb").get_item(
                TableName=self.stack.outputs.tables["orders"],
                Key={"orderId": {"S": order_id}},
                ConsistentRead=True,
            )["Item"]
        )

    def executions(self, machine: str = "order_fulfilment") -> list[dict[str, Any]]:
        pages = self.sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.stack.outputs.state_machines[machine]
        )
        return [execution for page in pages for execution in page["executions"]]

    def executions_for(
        self, order_id: str, machine: str = "order_fulfilment"
    ) -> list[dict[str, Any]]:
        """Executions of ``machine`` about this order (fulfilment: its OrderPlaced event)."""
        found = []
        for execution in self.executions(machine):
            described = self.sfn.describe_execution(executionArn=execution["executionArn"])
            given = json.loads(described["input"])
            if given.get("detail", given).get("orderId") == order_id:
                found.append(described)
        return found

    def finished(self, order_id: str, timeout: float = 15) -> dict[str, Any]:
        """Wait for the order's (claiming) fulfilment execution to end; return it described."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            arn = self.order(order_id).get("fulfilmentExecution", {}).get("S")
            if arn:
                described = self.sfn.describe_execution(executionArn=arn)
                if described["status"] != "RUNNING":
                    return dict(described)
            time.sleep(0.01)
        raise TimeoutError(f"fulfilment of {order_id} still running after {timeout} s")

    def request(self, order_id: str, timeout: float = 10) -> ApprovalRequest:
        """Wait for the order's approval request to reach the approvals queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.approvals.pending():
                if request.order_id == order_id:
                    return request
            time.sleep(0.01)
        raise TimeoutError(f"no approval request for {order_id} after {timeout} s")

    def outbox(self, order_id: str) -> set[str]:
        return {
            row["messageId"]["S"]
            for row in self.stack.scan("outbox")
            if row["messageId"]["S"].startswith(f"{order_id}#")
        }

    def charge_status(self, order_id: str) -> str:
        [charge] = [
            row
            for row in self.stack.scan("payments")
            if row.get("orderId", {}).get("S") == order_id
            and not row["paymentId"]["S"].startswith("attempts#")
        ]
        return str(charge["status"]["S"])

    def label_invocations(self) -> int:
        return sum(
            1 for i in self.stack.aws.runtime.invocations if i.function_name == LABEL_FUNCTION
        )


@pytest.fixture
def fulfilment(stack: EmbeddedStack) -> Iterator[Fulfilment]:
    stack.set_rule_enabled(FULFILMENT_RULE, True)
    helper = Fulfilment(stack)
    try:
        yield helper
    finally:
        stack.set_rule_enabled(FULFILMENT_RULE, False)
        stack.stop_running_executions("order_fulfilment")
        sqs, url = helper.approvals.sqs, helper.approvals.queue_url
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:  # PurgeQueue is allowed once a minute: delete one by one
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def human_waits_shortened() -> Any:
    return fast_interpreter_clock(scale=1e-5, timeouts=True, min_timeout_s=60)


def status_changes(observers: Observers, order_id: str) -> list[str]:
    return [
        e["detail"]["status"]
        for e in observers.events("OrderStatusChanged")
        if e["detail"]["orderId"] == order_id
    ]


def test_order_of_200_pounds_or_less_ships_without_approval(
    stack: EmbeddedStack, fulfilment: Fulfilment, observers: Observers, make_order, order_id: str
) -> None:
    stack.place_order(make_order(LOW_VALUE))

    execution = fulfilment.finished(order_id)

    assert execution["status"] == "SUCCEEDED"
    order = fulfilment.order(order_id)
    assert order["status"]["S"] == "SHIPPED"
    assert order["carrier"]["S"] == "royal-mail"
    assert order["trackingNumber"]["S"].startswith("RM")
    assert order["fulfilmentStage"]["S"] == "PACKED"
    assert fulfilment.outbox(order_id) == {f"{order_id}#PLACED", f"{order_id}#SHIPPED"}
    assert status_changes(observers, order_id) == ["PLACED", "SHIPPED"]
    assert fulfilment.approvals.pending() == []
    [child] = fulfilment.executions_for(order_id, "pick_pack_label")
    assert child["status"] == "SUCCEEDED"
    assert fulfilment.label_invocations() == 1


def test_order_above_200_pounds_waits_for_approval_showing_its_risk_score(
    stack: EmbeddedStack, fulfilment: Fulfilment, make_order, order_id: str
) -> None:
    stack.place_order(make_order(HIGH_VALUE))

    request = fulfilment.request(order_id)

    assert (request.total, request.currency) == (21900, "GBP")
    assert request.risk_score == 10
    assert request.risk_summary == "10/100: no risk factor"
    assert fulfilment.order(order_id)["status"]["S"] == "AWAITING_APPROVAL"
    assert fulfilment.label_invocations() == 0


def test_approved_order_ships_and_the_customer_is_told(
    stack: EmbeddedStack, fulfilment: Fulfilment, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock("HEADSET-PRO")
    stack.place_order(make_order(HIGH_VALUE))
    fulfilment.request(order_id)

    fulfilment.approvals.decide(order_id, approve=True, reviewer="grace")

    assert fulfilment.finished(order_id)["status"] == "SUCCEEDED"
    order = fulfilment.order(order_id)
    assert (order["status"]["S"], order["approvedBy"]["S"]) == ("SHIPPED", "grace")
    assert stack.stock("HEADSET-PRO") == before - 1
    assert fulfilment.charge_status(order_id) == "CAPTURED"
    assert fulfilment.outbox(order_id) == {f"{order_id}#PLACED", f"{order_id}#SHIPPED"}
    assert status_changes(observers, order_id) == ["PLACED", "APPROVED", "SHIPPED"]
    assert fulfilment.approvals.pending() == []


def test_rejected_order_releases_its_stock_is_refunded_and_the_customer_told(
    stack: EmbeddedStack, fulfilment: Fulfilment, observers: Observers, make_order, order_id: str
) -> None:
    before = stack.stock_levels()
    stack.place_order(make_order(HIGH_VALUE, ("MUG-LAMBDA", 2)))
    fulfilment.request(order_id)

    fulfilment.approvals.decide(order_id, approve=False, reviewer="grace", reason="card mismatch")

    assert fulfilment.finished(order_id)["status"] == "SUCCEEDED"
    order = fulfilment.order(order_id)
    assert order["status"]["S"] == "REJECTED"
    assert order["rejectionReason"]["S"] == "REJECTED_BY_REVIEWER"
    assert order["rejectionNote"]["S"] == "card mismatch"
    assert stack.stock_levels() == before
    assert fulfilment.charge_status(order_id) == "REFUNDED"
    assert fulfilment.outbox(order_id) == {f"{order_id}#PLACED", f"{order_id}#REJECTED"}
    assert status_changes(observers, order_id) == ["PLACED", "REJECTED"]
    assert fulfilment.label_invocations() == 0


def test_unanswered_approval_times_out_and_the_order_is_rejected_and_refunded(
    stack: EmbeddedStack, fulfilment: Fulfilment, make_order, order_id: str
) -> None:
    before = stack.stock_levels()
    # The approval's 6 h of heartbeat pass in about 0.2 s; tasks keep their seconds.
    with human_waits_shortened() as clock:
        stack.place_order(make_order(HIGH_VALUE))
        execution = fulfilment.finished(order_id)

    assert execution["status"] == "SUCCEEDED"
    order = fulfilment.order(order_id)
    assert order["status"]["S"] == "REJECTED"
    assert order["rejectionReason"]["S"] == "APPROVAL_TIMED_OUT"
    assert order["rejectionNote"]["S"] == "States.HeartbeatTimeout"
    assert {21600, 86400} <= set(clock.requested_timeouts)  # as the ASL sets them
    assert stack.stock_levels() == before
    assert fulfilment.charge_status(order_id) == "REFUNDED"
    assert f"{order_id}#REJECTED" in fulfilment.outbox(order_id)


def test_deciding_after_the_timeout_reports_the_request_expired_and_removes_it(
    stack: EmbeddedStack, fulfilment: Fulfilment, make_order, order_id: str
) -> None:
    with human_waits_shortened():
        stack.place_order(make_order(HIGH_VALUE))
        fulfilment.finished(order_id)

    with pytest.raises(ApprovalExpired):
        fulfilment.approvals.decide(order_id, approve=True, reviewer="grace")

    assert fulfilment.approvals.pending() == []
    assert fulfilment.order(order_id)["status"]["S"] == "REJECTED"


def test_deciding_an_order_with_no_pending_request_is_refused(fulfilment: Fulfilment) -> None:
    with pytest.raises(NoPendingApproval):
        fulfilment.approvals.decide("no-such-order", approve=True, reviewer="grace")


def test_order_placed_delivered_twice_is_fulfilled_once(
    stack: EmbeddedStack, fulfilment: Fulfilment, make_order, order_id: str
) -> None:
    stack.place_order(make_order(LOW_VALUE))
    first = fulfilment.finished(order_id)
    event = json.loads(first["input"])

    stack.aws.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.outputs.buses["orders"],
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
            }
        ]
    )

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        runs = fulfilment.executions_for(order_id)
        if len(runs) == 2 and all(r["status"] != "RUNNING" for r in runs):
            break
        time.sleep(0.01)
    assert sorted(r["status"] for r in runs) == ["SUCCEEDED", "SUCCEEDED"]
    [duplicate] = [r for r in runs if r["executionArn"] != first["executionArn"]]
    history = read_history(fulfilment.sfn, duplicate["executionArn"])
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered == ["ClaimFulfilment", "AlreadyClaimed"]
    assert fulfilment.label_invocations() == 1
    assert fulfilment.outbox(order_id) == {f"{order_id}#PLACED", f"{order_id}#SHIPPED"}


def test_pick_pack_label_that_fails_is_retried_whole_and_ships_once(
    stack: EmbeddedStack,
    fulfilment: Fulfilment,
    make_order,
    order_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    label_module = stack.function_module("shipping_label")
    real_create_label = label_module.create_label
    failures = iter(range(4))  # the child's own 1 + 3 attempts: its first run fails

    def carrier_down_for_a_while(request: Any) -> Any:
        if next(failures, None) is not None:
            raise CarrierUnavailable("carrier API returned 503")
        return real_create_label(request)

    monkeypatch.setattr(label_module, "create_label", carrier_down_for_a_while)

    stack.place_order(make_order(LOW_VALUE))

    assert fulfilment.finished(order_id)["status"] == "SUCCEEDED"
    assert fulfilment.order(order_id)["status"]["S"] == "SHIPPED"
    children = sorted(e["status"] for e in fulfilment.executions_for(order_id, "pick_pack_label"))
    assert children == ["FAILED", "SUCCEEDED"]
    assert fulfilment.label_invocations() == 5
    assert fulfilment.outbox(order_id) == {f"{order_id}#PLACED", f"{order_id}#SHIPPED"}
