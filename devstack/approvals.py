"""``make approvals`` / ``make approve ORDER=<id>`` / ``make reject ORDER=<id> REASON=...``.

The reviewer's side of fulfilment's approval step. Fulfilment sends each high-value order's
approval request, with its task token, to the approvals queue and waits
(``sqs:sendMessage.waitForTaskToken``). These commands read that queue:

- listing shows each pending request with its risk score, and sends a heartbeat for it (a
  reviewer has seen it: the step's HeartbeatSeconds count again from now);
- approving sends SendTaskSuccess; rejecting sends SendTaskFailure with the error
  ``OrderRejected`` (the ASL catches that name) and the reason as its cause;
- either way the request leaves the queue. A request whose token has expired (the order was
  already rejected for want of a decision) is removed and reported.

Works on the local stack and, with ``--env dev|prod``, on AWS with your credentials.
"""

import argparse
import contextlib
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from devstack.stack import Naming
from devstack.target_clients import ENVIRONMENTS, client

APPROVALS_QUEUE = "approvals"
REJECTION_ERROR = "OrderRejected"  # caught by statemachines/order_fulfilment.asl.json
# Long enough to answer the requests a command has in hand, short enough not to hide them.
HOLD_SECONDS = 30


class NoPendingApproval(LookupError):
    pass


class ApprovalExpired(RuntimeError):
    pass


@dataclass(frozen=True)
class ApprovalRequest:
    order_id: str
    total: int
    currency: str
    risk_score: int | None
    risk_summary: str
    items: list[dict[str, Any]]
    task_token: str
    receipt_handle: str

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> "ApprovalRequest":
        body = json.loads(message["Body"])
        return cls(
            order_id=body["orderId"],
            total=body["total"],
            currency=body["currency"],
            risk_score=body.get("riskScore"),
            risk_summary=body.get("riskSummary") or "",
            items=body.get("items", []),
            task_token=body["taskToken"],
            receipt_handle=message["ReceiptHandle"],
        )

    def describe(self) -> str:
        units = sum(int(line.get("quantity", 0)) for line in self.items)
        return (
            f"{self.order_id}  {self.total / 100:,.2f} {self.currency}  {units} unit(s)  "
            f"risk {self.risk_summary}"
        )


def _token_expired(sfn: Any, error: Exception) -> bool:
    expired = (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken)
    return isinstance(error, expired) or type(error).__name__ == "TaskDoesNotExist"


@dataclass
class ApprovalQueue:
    sqs: Any
    sfn: Any
    queue_url: str

    @contextmanager
    def _held(self) -> Iterator[list[ApprovalRequest]]:
        """Every request on the queue, hidden from others while in hand, then put back."""
        held: list[ApprovalRequest] = []
        try:
            while True:
                batch = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=HOLD_SECONDS,
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if not batch:
                    break
                held.extend(ApprovalRequest.from_message(message) for message in batch)
            yield held
        finally:
            for request in held:
                self._put_back(request)

    def _put_back(self, request: ApprovalRequest) -> None:
        with contextlib.suppress(self.sqs.exceptions.ReceiptHandleIsInvalid):  # answered
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=request.receipt_handle,
                VisibilityTimeout=0,
            )

    def _remove(self, request: ApprovalRequest) -> None:
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=request.receipt_handle)

    def pending(self) -> list[ApprovalRequest]:
        """The requests still awaiting a decision; each gets a heartbeat."""
        waiting: list[ApprovalRequest] = []
        with self._held() as held:
            for request in held:
                try:
                    self.sfn.send_task_heartbeat(taskToken=request.task_token)
                except Exception as error:
                    if not _token_expired(self.sfn, error):
                        raise
                    self._remove(request)
                    continue
                waiting.append(request)
        return waiting

    def decide(
        self, order_id: str, approve: bool, reviewer: str, reason: str = ""
    ) -> ApprovalRequest:
        """Approve or reject the order's pending request; return it."""
        with self._held() as held:
            matching = [request for request in held if request.order_id == order_id]
            if not matching:
                raise NoPendingApproval(f"no approval request is pending for order {order_id}")
            request = matching[0]
            try:
                if approve:
                    self.sfn.send_task_success(
                        taskToken=request.task_token,
                        output=json.dumps(
                            {"decision": "APPROVED", "reviewer": reviewer, "note": reason}
                        ),
                    )
                else:
                    self.sfn.send_task_failure(
                        taskToken=request.task_token,
                        error=REJECTION_ERROR,
                        cause=reason or f"rejected by {reviewer}",
                    )
            except Exception as error:
                if not _token_expired(self.sfn, error):
                    raise
                self._remove(request)
                raise ApprovalExpired(
                    f"the approval request for order {order_id} expired: the order was "
                    "already rejected for want of a decision"
                ) from error
            for answered in matching:  # a duplicate request is answered by the same decision
                self._remove(answered)
            return request


def _queue(environment: str) -> ApprovalQueue:
    sqs = client("sqs", environment)
    url = sqs.get_queue_url(QueueName=Naming(environment).name(APPROVALS_QUEUE))["QueueUrl"]
    return ApprovalQueue(sqs, client("stepfunctions", environment), url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("list", "approve", "reject"))
    parser.add_argument("order", nargs="?", help="the orderId (approve and reject)")
    parser.add_argument("--reason", default="", help="why (shown to the customer on reject)")
    parser.add_argument("--reviewer", default=getpass.getuser())
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)
    queue = _queue(args.env)
    if args.action == "list":
        requests = queue.pending()
        print(f"{len(requests)} order(s) awaiting approval")
        for request in requests:
            print(f"  {request.describe()}")
        return 0
    if not args.order:
        print(f"usage: make {args.action} ORDER=<orderId>", file=sys.stderr)
        return 2
    try:
        request = queue.decide(args.order, args.action == "approve", args.reviewer, args.reason)
    except (NoPendingApproval, ApprovalExpired) as error:
        print(error, file=sys.stderr)
        return 1
    verb = "approved" if args.action == "approve" else "rejected"
    print(f"{verb} {request.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
