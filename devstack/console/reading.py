"""What the console shows, read from the stack through boto3 (no page touches a client).

``Stack`` is one deployed stack: its outputs (names, ARNs and URLs by logical key, as
``devstack.provision.StackOutputs`` holds them) and a client factory. The same code reads the
embedded emulator (tests), the local emulator ``make deploy`` started, or, read-only, AWS.
"""

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from devstack.approvals import ApprovalQueue, ApprovalRequest
from devstack.asl import load
from devstack.asl_history import StateVisit, visits
from devstack.console.graph import Outcome, outcome, outcomes, path_graph
from devstack.executions import read_history
from devstack.paths import STATEMACHINES_DIR
from devstack.provision import StackOutputs
from devstack.redrive import redrive
from devstack.stack import QUEUES, STATE_MACHINES

ClientFactory = Callable[[str], Any]
PAGE = 100  # ListExecutions' largest page
# ListExecutions' answer for an Express workflow on AWS, which keeps no execution history:
# `make executions ENV=<env>` reads those runs from the workflow's CloudWatch log group.
UNLISTED_TYPE = "StateMachineTypeNotSupported"
# The statuses the notifier e-mails (lambdas/notifier/logic.py SUBJECTS; a test keeps them equal).
# Its outbox keys each e-mail "<orderId>#<status>", so an order's e-mails are one BatchGetItem.
EMAILED_STATUSES = ("PLACED", "SHIPPED", "REJECTED", "CANCELLED")
# Order fields the order page shows, in this order (statemachines/ write them).
ORDER_FIELDS = (
    "status",
    "total",
    "currency",
    "email",
    "processor",
    "paymentId",
    "createdAt",
    "fulfilmentStage",
    "approvedBy",
    "rejectionReason",
    "rejectionNote",
    "carrier",
    "trackingNumber",
)


@dataclass(frozen=True)
class Workflow:
    key: str
    name: str
    type: str
    arn: str
    counts: dict[str, int]  # recent executions by status
    listed: bool  # False where the API lists none: Express workflows on AWS


@dataclass(frozen=True)
class ExecutionRow:
    workflow: str
    name: str
    arn: str
    status: str
    started: datetime
    stopped: datetime | None

    @property
    def duration_s(self) -> float:
        return ((self.stopped or datetime.now(tz=UTC)) - self.started).total_seconds()


@dataclass(frozen=True)
class StateRow:
    """One visit of a state, as the execution page lists it."""

    visit: StateVisit
    outcome: Outcome

    @staticmethod
    def pretty(text: str | None) -> str:
        if text is None:
            return ""
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text


@dataclass(frozen=True)
class ExecutionDetail:
    row: ExecutionRow
    input: str
    output: str
    error: str | None
    cause: str | None
    graph: str  # Mermaid source, the path coloured
    states: list[StateRow]
    order_id: str | None  # the order the execution handled, when its input names one

    @property
    def running(self) -> bool:
        return self.row.status == "RUNNING"


@dataclass(frozen=True)
class Email:
    status: str
    to: str
    subject: str
    body: str
    sent_at: str


@dataclass(frozen=True)
class OrderTrail:
    """One order from API call to e-mail: its row, the executions that handled it, its e-mails."""

    order_id: str
    fields: dict[str, str]  # ORDER_FIELDS the row has; empty when no row was saved
    executions: list[ExecutionRow]  # oldest first
    emails: list[Email]  # in EMAILED_STATUSES order


@dataclass(frozen=True)
class QueueRow:
    key: str
    url: str
    depth: int
    in_flight: int
    dlq_key: str | None
    dlq_depth: int | None


@dataclass
class Stack:
    outputs: StackOutputs
    client: ClientFactory
    recent: int = 1000  # executions read per workflow
    _definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _seen: dict[str, list[ExecutionRow]] = field(default_factory=dict)  # by workflow key
    _unlisted: set[str] = field(default_factory=set)  # workflows ListExecutions refuses
    _lock: threading.Lock = field(default_factory=threading.Lock)  # pages load in parallel

    @property
    def sfn(self) -> Any:
        return self.client("stepfunctions")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    # Workflows and executions

    def workflow_keys(self) -> list[str]:
        return [m.key for m in STATE_MACHINES if m.key in self.outputs.state_machines]

    def workflows(self) -> list[Workflow]:
        found = []
        for machine in STATE_MACHINES:
            arn = self.outputs.state_machines.get(machine.key)
            if arn is None:
                continue
            counts = Counter(row.status for row in self._executions_of(machine.key, None))
            name = arn.rsplit(":", 1)[-1]
            listed = machine.key not in self._unlisted
            found.append(Workflow(machine.key, name, machine.type, arn, dict(counts), listed))
        return found

    def executions(
        self,
        workflow: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[ExecutionRow]:
        """Newest first, across workflows unless one is named."""
        keys = [workflow] if workflow else self.workflow_keys()
        rows = [row for key in keys for row in self._executions_of(key, status)]
        if since is not None:
            rows = [row for row in rows if row.started >= since]
        rows.sort(key=lambda row: row.started, reverse=True)
        return rows[:limit]

    def _executions_of(self, key: str, status: str | None) -> list[ExecutionRow]:
        rows = self._recent_executions(key)
        return [row for row in rows if row.status == status] if status else rows

    def _recent_executions(self, key: str) -> list[ExecutionRow]:
        """The workflow's newest executions (up to ``recent``), newest first.

        Read once in full, then incrementally: ListExecutions pages are read only until one
        ends on an execution already known (everything older is known too), and executions
        known as RUNNING that those pages did not cover are described again. So a page of
        1,000 executions costs one ListExecutions call once the console has seen them.
        """
        with self._lock:
            cached = self._seen.get(key, [])
            known = {row.arn for row in cached}
            arguments: dict[str, Any] = {
                "stateMachineArn": self.outputs.state_machines[key],
                "maxResults": PAGE,
            }
            fresh: list[ExecutionRow] = []
            while len(fresh) < self.recent:
                try:
                    page = self.sfn.list_executions(**arguments)
                except ClientError as error:
                    if error.response["Error"]["Code"] != UNLISTED_TYPE:
                        raise
                    self._unlisted.add(key)  # AWS keeps no list of Express executions
                    return []
                fresh.extend(_row(key, item) for item in page["executions"])
                if not page.get("nextToken") or (fresh and fresh[-1].arn in known):
                    break
                arguments["nextToken"] = page["nextToken"]
            covered = {row.arn for row in fresh}
            older = [
                self._described(row.arn) if row.status == "RUNNING" else row
                for row in cached
                if row.arn not in covered
            ]
            self._seen[key] = (fresh + older)[: self.recent]
            return self._seen[key]

    def _described(self, execution_arn: str) -> ExecutionRow:
        described = self.sfn.describe_execution(executionArn=execution_arn)
        return _row(self.workflow_of(execution_arn), described)

    def _described_if_kept(self, execution_arn: str) -> ExecutionRow | None:
        """The execution, or None where the API keeps none to describe (Express on AWS)."""
        try:
            return self._described(execution_arn)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("ExecutionDoesNotExist", "InvalidArn"):
                return None
            raise

    def definition(self, key: str) -> dict[str, Any]:
        if key not in self._definitions:
            self._definitions[key] = dict(load(STATEMACHINES_DIR / f"{key}.asl.json"))
        return self._definitions[key]

    def workflow_of(self, execution_arn: str) -> str:
        """The workflow key of an execution ARN (…:execution:<state machine>:<name>)."""
        machine = execution_arn.split(":")[6]
        for key, arn in self.outputs.state_machines.items():
            if arn.rsplit(":", 1)[-1] == machine:
                return key
        raise KeyError(f"{execution_arn} is not an execution of this stack's workflows")

    def execution(self, execution_arn: str) -> ExecutionDetail:
        key = self.workflow_of(execution_arn)
        described = self.sfn.describe_execution(executionArn=execution_arn)
        row = _row(key, described)
        seen = visits(read_history(self.sfn, execution_arn))
        running = row.status == "RUNNING"
        return ExecutionDetail(
            row=row,
            input=StateRow.pretty(described.get("input")),
            output=StateRow.pretty(described.get("output")),
            error=described.get("error"),
            cause=described.get("cause"),
            graph=path_graph(self.definition(key), outcomes(seen, running)),
            states=[StateRow(visit, outcome(visit, running)) for visit in seen],
            order_id=_order_id(described.get("input")),
        )

    # Orders

    def order(self, order_id: str) -> OrderTrail:
        """The order's row, its placement attempts (executions named ``<orderId>-<millis>``
        by the API), its fulfilment and its e-mails; KeyError when nothing knows the order."""
        dynamodb = self.client("dynamodb")
        item = dynamodb.get_item(
            TableName=self.outputs.tables["orders"], Key={"orderId": {"S": order_id}}
        ).get("Item", {})
        fields = {name: _plain(item[name]) for name in ORDER_FIELDS if name in item}
        arns = {
            row.arn
            for row in self._recent_executions("order_processing")
            if row.name.rsplit("-", 1)[0] == order_id
        }
        arns |= {item[name]["S"] for name in ("executionId", "fulfilmentExecution") if name in item}
        executions = sorted(
            (row for arn in arns if (row := self._described_if_kept(arn))),
            key=lambda row: row.started,
        )
        if not fields and not executions:
            raise KeyError(f"no order {order_id!r} in this stack")
        return OrderTrail(order_id, fields, executions, self._emails(order_id))

    def _emails(self, order_id: str) -> list[Email]:
        table = self.outputs.tables["outbox"]
        keys = [{"messageId": {"S": f"{order_id}#{status}"}} for status in EMAILED_STATUSES]
        request = {table: {"Keys": keys, "ConsistentRead": True}}
        answer = self.client("dynamodb").batch_get_item(RequestItems=request)
        found = answer["Responses"].get(table, [])
        by_status = {item["messageId"]["S"].rsplit("#", 1)[1]: item for item in found}
        return [
            Email(status, *(item[name]["S"] for name in ("to", "subject", "body", "sentAt")))
            for status in EMAILED_STATUSES
            if (item := by_status.get(status))
        ]

    # Approvals and queues

    def approvals(self) -> ApprovalQueue:
        return ApprovalQueue(self.sqs, self.sfn, self.outputs.queues["approvals"])

    def pending_approvals(self) -> list[ApprovalRequest]:
        return self.approvals().pending()

    def queues(self) -> list[QueueRow]:
        rows = []
        for queue in QUEUES:
            url = self.outputs.queues.get(queue.key)
            if url is None:
                continue
            depth, in_flight = self._depth(url)
            dlq_key = queue.dlq_key if queue.dead_letter else None
            dlq_url = self.outputs.queues.get(dlq_key) if dlq_key else None
            rows.append(
                QueueRow(
                    queue.key,
                    url,
                    depth,
                    in_flight,
                    dlq_key if dlq_url else None,
                    self._depth(dlq_url)[0] if dlq_url else None,
                )
            )
        return rows

    def _depth(self, url: str) -> tuple[int, int]:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return (
            int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )

    def redrive(self, key: str) -> int:
        """Move the messages the queue's dead-letter queue holds now back to the queue (a
        message that fails again and returns meanwhile is not moved twice)."""
        queue = next((q for q in QUEUES if q.key == key and q.dead_letter), None)
        if queue is None or queue.dlq_key not in self.outputs.queues:
            raise KeyError(f"{key} has no dead-letter queue")
        dlq_url = self.outputs.queues[queue.dlq_key]
        held, _ = self._depth(dlq_url)
        return redrive(self.sqs, dlq_url, self.outputs.queues[key], limit=held)


def _order_id(execution_input: str | None) -> str | None:
    """The orderId of a placement (``orderId``) or of an event-started run (``detail.orderId``)."""
    try:
        document = json.loads(execution_input or "")
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    detail = document.get("detail")
    found = document.get("orderId", detail.get("orderId") if isinstance(detail, dict) else None)
    return found if isinstance(found, str) else None


def _plain(value: dict[str, Any]) -> str:
    """A DynamoDB attribute value as text (the order row holds only strings and numbers)."""
    [(kind, text)] = value.items()
    return str(text) if kind in ("S", "N") else json.dumps(text)


def _row(workflow: str, item: dict[str, Any]) -> ExecutionRow:
    """An execution from ListExecutions' summary or DescribeExecution's answer."""
    return ExecutionRow(
        workflow,
        item["name"],
        item["executionArn"],
        item["status"],
        item["startDate"],
        item.get("stopDate"),
    )
