"""The fault-injection matrix: every Task state of every workflow, under four kinds of fault.

One row per (workflow, Task state, fault kind): the run that reaches the state (its
scenario), the fault (the error Step Functions reports; ``devstack.fault_injection.ERRORS``
names it for throttling, service errors and timeouts on each integration, a row names the
business error the state's Catch handles), and the expected outcome with the end state
that proves it (the answer, stock, the charge, the order's status, what the customer was
told). ``test_fault_matrix.py`` runs each row on the embedded stack.

The Task states are read from the ASL files (``devstack.asl.task_states``, at any depth), not
typed here: a Task state added to an ASL file without its four rows fails
``test_the_matrix_covers_every_task_state_under_every_kind_of_fault``.

How the faults behave (``devstack.fault_injection.Fault``): throttling, service errors and
business errors happen before the call (the service refused; nothing changed); a timeout
happens after it (the call took effect and its answer came after TimeoutSeconds), the
harder case, since a retry then repeats work that was done. A row whose outcome is
RETRIED_THEN_SUCCEEDED fails exactly as many attempts as its Retrier allows retries (the
last allowed attempt succeeds); any other row fails every attempt, unless it says ``times``.

A row with a ``gap`` expects what a correct workflow does and documents why the current ASL
does not: its test is a strict xfail, so it turns into a failure (remove the ``gap``) once
the ASL is fixed. ``note`` records a behaviour worth knowing that is not a defect.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

from devstack.asl import load, task_states
from devstack.fault_injection import ALWAYS, FaultKind, error_for, retries
from devstack.paths import STATEMACHINES_DIR

WORKFLOWS = ("order_processing", "order_fulfilment", "pick_pack_label", "inventory_import")


@cache
def workflow_task_states(workflow: str) -> Mapping[str, Mapping[str, Any]]:
    """The workflow's Task states by name, read from its ASL file (Map and Parallel included)."""
    return task_states(load(STATEMACHINES_DIR / f"{workflow}.asl.json"))


class Outcome(StrEnum):
    RETRIED_THEN_SUCCEEDED = "retried then succeeded"
    COMPENSATED = "compensated"  # the Catch path undoes what was done (stock, charge)
    FAILED_WITH_STATUS = "failed with a recorded status"  # an error answer, a FAILED execution
    CAUGHT = "caught"  # the Catch takes the path the ASL has for it and the run ends normally
    NOT_APPLICABLE = "not applicable"


class Scenario(StrEnum):
    """The run that reaches the state (its baseline end state is in BASELINE)."""

    PLACED = "a two-line order paid by card"
    PAID_WITH_PAYPAL = "the same, paid with PayPal"
    PAID_WITH_APPLEPAY = "the same, paid with Apple Pay"
    REPEATED = "the same order submitted twice (the second run is the one checked)"
    OUT_OF_STOCK = "the same order with its second product out of stock (409, nothing charged)"
    UNSAVEABLE = (
        "an order whose row already exists: it cannot be saved, so its charge is refunded, "
        "its stock released and its claim released (the 500 lets the client retry)"
    )
    SHIPPED_DIRECTLY = "a placed order of 200 pounds or less, fulfilled"
    APPROVED = "a placed order above 200 pounds, approved by a reviewer, fulfilled"
    REJECTED = "a placed order above 200 pounds, rejected by a reviewer"
    IMPORTED = "a stock file of two products, imported"
    FILE_REJECTED = "a stock file with a bad line"
    LOAD_FAILED = "a stock file whose chunk cannot be loaded"


class Stock(StrEnum):
    UNCHANGED = "as before the run"
    TAKEN = "the order's units taken"
    ADDED = "the file's units added"


class Charge(StrEnum):
    NONE = "no charge"
    CAPTURED = "one charge, captured"
    REFUNDED = "one charge, refunded"


class Claim(StrEnum):
    """The orderId's claim in the idempotency table (order placement)."""

    ABSENT = "no claim: the orderId can be submitted again"
    COMPLETED = "the result kept, replayed to a repeat"
    HELD = "IN_PROGRESS: a repeat gets 409"


NO_ORDER = ""  # Expect.order: no order row


@dataclass(frozen=True)
class Expect:
    """The end state a row checks; None: not checked."""

    execution: str = "SUCCEEDED"  # the execution's status (fulfilment: the parent's)
    error: str | None = None  # the execution's error, when it failed
    answer: int | None = None  # order placement: the statusCode answered
    stock: Stock | None = None
    charge: Charge | None = None
    order: str | None = None  # the order row's status, NO_ORDER for none
    claim: Claim | None = None
    told: frozenset[str] | None = None  # order statuses the customer was e-mailed (outbox)
    order_placed: bool | None = None  # OrderPlaced reached the bus
    rejection: str | None = None  # fulfilment: the order's rejectionReason
    notified: str | None = None  # inventory import: the outcome published on its topic


def _told(*statuses: str) -> frozenset[str]:
    return frozenset(statuses)


def _nothing_written(answer: int) -> Expect:
    return Expect(
        answer=answer,
        stock=Stock.UNCHANGED,
        charge=Charge.NONE,
        order=NO_ORDER,
        claim=Claim.ABSENT,
        told=_told(),
        order_placed=False,
    )


_PLACED = Expect(
    answer=200,
    stock=Stock.TAKEN,
    charge=Charge.CAPTURED,
    order="PLACED",
    claim=Claim.COMPLETED,
    told=_told("PLACED"),
    order_placed=True,
)
_SHIPPED = Expect(
    stock=Stock.TAKEN, charge=Charge.CAPTURED, order="SHIPPED", told=_told("PLACED", "SHIPPED")
)
_REJECTED = Expect(
    stock=Stock.UNCHANGED,
    charge=Charge.REFUNDED,
    order="REJECTED",
    told=_told("PLACED", "REJECTED"),
    rejection="REJECTED_BY_REVIEWER",
)
# Fulfilment stopped for an operator: the order keeps its stock and charge, nothing shipped.
_FULFILMENT_FAILED = Expect(
    execution="FAILED",
    error="FulfilmentFailed",
    stock=Stock.TAKEN,
    charge=Charge.CAPTURED,
    order="PLACED",
    told=_told("PLACED"),
)

BASELINE: Mapping[Scenario, Expect] = {
    Scenario.PLACED: _PLACED,
    Scenario.PAID_WITH_PAYPAL: _PLACED,
    Scenario.PAID_WITH_APPLEPAY: _PLACED,
    Scenario.REPEATED: _PLACED,  # the repeat is answered with the first result
    Scenario.OUT_OF_STOCK: Expect(
        answer=409,
        stock=Stock.UNCHANGED,
        charge=Charge.NONE,
        order=NO_ORDER,
        claim=Claim.COMPLETED,  # a business outcome: kept and replayed to a repeat
        told=_told(),
        order_placed=False,
    ),
    Scenario.UNSAVEABLE: Expect(
        answer=500,
        stock=Stock.UNCHANGED,
        charge=Charge.REFUNDED,
        order="IMPORTED",  # the row that was there, untouched
        claim=Claim.ABSENT,
        told=_told(),
        order_placed=False,
    ),
    Scenario.SHIPPED_DIRECTLY: _SHIPPED,
    Scenario.APPROVED: _SHIPPED,
    Scenario.REJECTED: _REJECTED,
    Scenario.IMPORTED: Expect(stock=Stock.ADDED, notified="IMPORTED"),
    Scenario.FILE_REJECTED: Expect(
        execution="FAILED", error="ImportFileRejected", stock=Stock.UNCHANGED, notified="REJECTED"
    ),
    Scenario.LOAD_FAILED: Expect(
        execution="FAILED", error="ImportFailed", stock=Stock.UNCHANGED, notified="FAILED"
    ),
}

REACHED_BY: Mapping[tuple[str, str], Scenario] = {
    ("order_processing", "ValidateOrder"): Scenario.PLACED,
    ("order_processing", "ClaimOrder"): Scenario.PLACED,
    ("order_processing", "LookUpClaim"): Scenario.REPEATED,
    ("order_processing", "ReserveItem"): Scenario.PLACED,
    ("order_processing", "ConfirmHold"): Scenario.OUT_OF_STOCK,
    ("order_processing", "ChargeStripe"): Scenario.PLACED,
    ("order_processing", "ChargePayPal"): Scenario.PAID_WITH_PAYPAL,
    ("order_processing", "ChargeApplePay"): Scenario.PAID_WITH_APPLEPAY,
    ("order_processing", "SaveOrder"): Scenario.PLACED,
    ("order_processing", "ConfirmSaved"): Scenario.UNSAVEABLE,
    ("order_processing", "RefundPayment"): Scenario.UNSAVEABLE,
    ("order_processing", "ReleaseItem"): Scenario.UNSAVEABLE,
    ("order_processing", "ReleaseClaim"): Scenario.UNSAVEABLE,
    ("order_processing", "PublishConfirmation"): Scenario.PLACED,
    ("order_processing", "EmitOrderPlaced"): Scenario.PLACED,
    ("order_processing", "RecordResult"): Scenario.PLACED,
    ("order_fulfilment", "ClaimFulfilment"): Scenario.SHIPPED_DIRECTLY,
    ("order_fulfilment", "MarkAwaitingApproval"): Scenario.APPROVED,
    ("order_fulfilment", "ReadRiskScore"): Scenario.APPROVED,
    ("order_fulfilment", "RequestApproval"): Scenario.APPROVED,
    ("order_fulfilment", "MarkApproved"): Scenario.APPROVED,
    ("order_fulfilment", "PickPackLabel"): Scenario.SHIPPED_DIRECTLY,
    ("order_fulfilment", "MarkShipped"): Scenario.SHIPPED_DIRECTLY,
    ("order_fulfilment", "NotifyShipped"): Scenario.SHIPPED_DIRECTLY,
    ("order_fulfilment", "DropHold"): Scenario.SHIPPED_DIRECTLY,
    ("order_fulfilment", "MarkRejected"): Scenario.REJECTED,
    ("order_fulfilment", "ReleaseLine"): Scenario.REJECTED,
    ("order_fulfilment", "RefundPayment"): Scenario.REJECTED,
    ("order_fulfilment", "NotifyRejected"): Scenario.REJECTED,
    ("pick_pack_label", "Pick"): Scenario.SHIPPED_DIRECTLY,
    ("pick_pack_label", "Pack"): Scenario.SHIPPED_DIRECTLY,
    ("pick_pack_label", "Label"): Scenario.SHIPPED_DIRECTLY,
    ("inventory_import", "Extract"): Scenario.IMPORTED,
    ("inventory_import", "LoadChunk"): Scenario.IMPORTED,
    ("inventory_import", "NotifyImported"): Scenario.IMPORTED,
    ("inventory_import", "NotifyRejected"): Scenario.FILE_REJECTED,
    ("inventory_import", "NotifyFailed"): Scenario.LOAD_FAILED,
}


@dataclass(frozen=True)
class Row:
    workflow: str
    state: str
    kind: FaultKind
    outcome: Outcome
    business_error: str | None = None  # BUSINESS_ERROR rows: the error the state's Catch handles
    expect_override: Expect | None = None  # None: the scenario's baseline end state
    times: int | None = None  # attempts failed; None: derived from the outcome (module doc)
    after_call: bool | None = None  # None: timeouts after the call, other faults before it
    reason: str = ""  # NOT_APPLICABLE: why the fault cannot happen here
    gap: str = ""  # what the current ASL gets wrong (the row is a strict xfail)
    note: str = ""

    @property
    def task(self) -> Mapping[str, Any]:
        return workflow_task_states(self.workflow)[self.state]

    @property
    def scenario(self) -> Scenario:
        return REACHED_BY[(self.workflow, self.state)]

    @property
    def error(self) -> str:
        if self.kind is FaultKind.BUSINESS_ERROR:
            assert self.business_error, f"{self.id}: a business error row names its error"
            return self.business_error
        return error_for(self.task, self.kind)

    @property
    def failed_attempts(self) -> int | None:
        """How many attempts fail (None: every one)."""
        if self.times is not None:
            return self.times
        if self.outcome is Outcome.RETRIED_THEN_SUCCEEDED:
            return retries(self.task, self.error)
        return ALWAYS

    @property
    def fails_after_call(self) -> bool:
        return self.kind is FaultKind.TIMEOUT if self.after_call is None else self.after_call

    @property
    def expect(self) -> Expect:
        return self.expect_override or BASELINE[self.scenario]

    @property
    def id(self) -> str:
        return f"{self.workflow}:{self.state}:{self.kind.name.lower()}"


@dataclass(frozen=True)
class _Spec:
    outcome: Outcome
    business_error: str | None = None
    expect: Expect | None = None
    times: int | None = None
    after_call: bool | None = None
    reason: str = ""
    gap: str = ""
    note: str = ""


def retried(**details: Any) -> _Spec:
    return _Spec(Outcome.RETRIED_THEN_SUCCEEDED, **details)


RETRIED = retried()


def compensated(expect: Expect, **details: Any) -> _Spec:
    return _Spec(Outcome.COMPENSATED, expect=expect, **details)


def failed(expect: Expect, **details: Any) -> _Spec:
    return _Spec(Outcome.FAILED_WITH_STATUS, expect=expect, **details)


def caught(expect: Expect, **details: Any) -> _Spec:
    return _Spec(Outcome.CAUGHT, expect=expect, **details)


def not_applicable(reason: str) -> _Spec:
    return _Spec(Outcome.NOT_APPLICABLE, reason=reason)


def _rows(
    workflow: str,
    state: str,
    *,
    timeout: _Spec,
    business_error: _Spec,
    throttled: _Spec = RETRIED,
    service_error: _Spec = RETRIED,
) -> Iterator[Row]:
    """The state's four rows. Throttling and service faults are transient: unless a row says
    otherwise, the state's Retry must cover them."""
    specs = {
        FaultKind.THROTTLED: throttled,
        FaultKind.SERVICE_ERROR: service_error,
        FaultKind.TIMEOUT: timeout,
        FaultKind.BUSINESS_ERROR: business_error,
    }
    for kind, spec in specs.items():
        yield Row(
            workflow,
            state,
            kind,
            spec.outcome,
            business_error=spec.business_error,
            expect_override=spec.expect,
            times=spec.times,
            after_call=spec.after_call,
            reason=spec.reason,
            gap=spec.gap,
            note=spec.note,
        )


NO_BUSINESS_ERROR_READ = "a read (GetItem): nothing it checks can fail on a business rule"
NO_BUSINESS_ERROR_WRITE = "an unconditional write: no ConditionExpression that could fail"
NO_BUSINESS_ERROR_PUBLISH = "publishing has no business error"

_OWN_WRITE = (
    "the write took effect before the timeout; the retry's condition accepts the status the "
    "write itself set (`#status IN (:from, :to)`), so the run goes on"
)


def _status_change_rows(workflow: str, state: str, refused: Expect) -> Iterator[Row]:
    """A conditional status change (``#status IN (:from, :to)``): a timeout is retried (the
    condition accepts the status the write set); a failed condition stops fulfilment as
    ``refused`` says."""
    yield from _rows(
        workflow,
        state,
        timeout=retried(note=_OWN_WRITE),
        business_error=failed(refused, business_error="DynamoDB.ConditionalCheckFailedException"),
    )


def _confirmation_rows(workflow: str, state: str, expect: Expect, absent: str) -> Iterator[Row]:
    """A state that checks, after an uncertain write, whether this execution's write is there
    (a conditional no-op update); its scenario is the run where it is not, as ``absent`` says."""
    yield from _rows(
        workflow,
        state,
        timeout=retried(
            after_call=False,  # in this run the call itself fails its condition
            note="a conditional no-op: repeating it changes nothing",
        ),
        business_error=caught(
            expect, business_error="DynamoDB.ConditionalCheckFailedException", note=absent
        ),
    )


def _release_rows(workflow: str, state: str, released: Expect, lines: int) -> Iterator[Row]:
    """A release of an order's holds (``SET quantity = quantity + n REMOVE hold``, on
    ``attribute_exists(hold)``), in a run whose ``released`` end state gives the units back."""
    yield from _rows(
        workflow,
        state,
        timeout=retried(
            times=lines,  # once per line: each line's retry finds no hold and stops there
            note="the release removed the hold before the timeout: the retry finds none",
        ),
        business_error=caught(
            replace(released, stock=Stock.TAKEN),
            business_error="DynamoDB.ConditionalCheckFailedException",
            note=(
                "the condition fails only when the hold is gone, i.e. already released; "
                "injected while the hold is there, the units stay held by the order"
            ),
        ),
    )


def _order_processing() -> Iterator[Row]:
    wf = "order_processing"
    yield from _rows(
        wf,
        "ValidateOrder",
        timeout=failed(
            _nothing_written(500),
            note="a timeout is not retried: the client gets a 500 and may submit again",
        ),
        business_error=failed(_nothing_written(400), business_error="ValidationError"),
    )
    yield from _rows(
        wf,
        "ClaimOrder",
        timeout=retried(
            note=(
                "the retry's condition accepts this execution's own claim; were every attempt "
                "to time out, FailClaim releases the claim (only this execution's) and answers "
                "500, so the orderId can be submitted again"
            )
        ),
        business_error=failed(
            _nothing_written(409),
            business_error="DynamoDB.ConditionalCheckFailedException",
            note="the orderId is claimed by a run still in progress: 409, nothing reserved",
        ),
    )
    yield from _rows(
        wf,
        "LookUpClaim",
        timeout=failed(
            replace(_PLACED, answer=409),
            note="the repeat gets 409 IN_PROGRESS (retry later) instead of the first result",
        ),
        business_error=not_applicable(NO_BUSINESS_ERROR_READ),
    )
    yield from _rows(
        wf,
        "ReserveItem",
        timeout=retried(
            note=(
                "the units were taken with this order's hold before the timeout; the retry's "
                "condition fails on the hold and ConfirmHold finds it: taken once"
            )
        ),
        business_error=compensated(
            replace(_nothing_written(409), claim=Claim.COMPLETED),
            business_error="DynamoDB.ConditionalCheckFailedException",
            times=1,  # one line out of stock: the other line's reservation is released
        ),
    )
    yield from _confirmation_rows(
        wf,
        "ConfirmHold",
        BASELINE[Scenario.OUT_OF_STOCK],
        "no hold of this order: the line is out of stock (409), the other released",
    )
    for state in ("ChargeStripe", "ChargePayPal", "ChargeApplePay"):
        yield from _rows(
            wf,
            state,
            timeout=retried(note="the charge is idempotent on orderId: charged once"),
            business_error=compensated(
                replace(_nothing_written(402), claim=Claim.COMPLETED),
                business_error="PaymentDeclined",
            ),
        )
    refunded = Expect(
        answer=500,
        stock=Stock.UNCHANGED,
        charge=Charge.REFUNDED,
        order=NO_ORDER,
        claim=Claim.ABSENT,
        told=_told(),
    )
    yield from _rows(
        wf,
        "SaveOrder",
        timeout=retried(
            note="the retry's condition accepts the row this execution wrote: saved once"
        ),
        business_error=compensated(
            refunded, business_error="DynamoDB.ConditionalCheckFailedException"
        ),
    )
    unsaveable = BASELINE[Scenario.UNSAVEABLE]
    yield from _confirmation_rows(
        wf, "ConfirmSaved", unsaveable, "the row is not this execution's: the charge is refunded"
    )
    yield from _rows(
        wf,
        "RefundPayment",
        timeout=retried(note="refunding is idempotent on orderId: refunded once"),
        business_error=failed(
            replace(unsaveable, charge=Charge.CAPTURED),
            business_error="PaymentNotFound",
            note="the charge stays captured: the answer says support has been alerted",
        ),
    )
    yield from _release_rows(wf, "ReleaseItem", unsaveable, lines=2)
    yield from _rows(
        wf,
        "ReleaseClaim",
        timeout=caught(BASELINE[Scenario.UNSAVEABLE], note="deleted before the timeout"),
        business_error=caught(
            replace(unsaveable, claim=Claim.HELD),
            business_error="DynamoDB.ConditionalCheckFailedException",
            note=(
                "the condition fails only when the claim is not this execution's (another "
                "run's, or none), which is left alone; injected while it is this one's, the "
                "claim stays and a repeat gets 409 IN_PROGRESS"
            ),
        ),
    )
    yield from _rows(
        wf,
        "PublishConfirmation",
        timeout=retried(note="published twice; the notifier's outbox e-mails the customer once"),
        business_error=not_applicable(NO_BUSINESS_ERROR_PUBLISH),
    )
    yield from _rows(
        wf,
        "EmitOrderPlaced",
        timeout=retried(note="OrderPlaced put twice; fulfilment's claim keeps one fulfilment"),
        business_error=not_applicable(NO_BUSINESS_ERROR_PUBLISH),
    )
    yield from _rows(
        wf,
        "RecordResult",
        timeout=caught(_PLACED, note="recorded before the timeout; the 200 is answered"),
        business_error=not_applicable(NO_BUSINESS_ERROR_WRITE),
    )


def _order_fulfilment() -> Iterator[Row]:
    wf = "order_fulfilment"
    awaiting_failed = replace(_FULFILMENT_FAILED, order="AWAITING_APPROVAL")
    yield from _rows(
        wf,
        "ClaimFulfilment",
        timeout=retried(note="the retry's condition accepts this execution's own claim"),
        business_error=caught(
            replace(_SHIPPED, order="PLACED", told=_told("PLACED")),
            business_error="DynamoDB.ConditionalCheckFailedException",
            note="another execution holds the claim: this one ends having changed nothing",
        ),
    )
    yield from _status_change_rows(wf, "MarkAwaitingApproval", _FULFILMENT_FAILED)
    yield from _rows(
        wf,
        "ReadRiskScore",
        timeout=retried(),
        business_error=not_applicable(NO_BUSINESS_ERROR_READ),
    )
    yield from _rows(
        wf,
        "RequestApproval",
        timeout=compensated(
            replace(_REJECTED, rejection="APPROVAL_TIMED_OUT"),
            note="the request was sent; no decision came within TimeoutSeconds",
        ),
        business_error=compensated(
            _REJECTED,
            business_error="OrderRejected",
            after_call=True,  # the request reached the reviewer, who rejected it
        ),
    )
    yield from _status_change_rows(wf, "MarkApproved", awaiting_failed)
    yield from _rows(
        wf,
        "PickPackLabel",
        timeout=retried(note="the child ran on; its steps are idempotent: labelled once"),
        business_error=retried(
            business_error="States.TaskFailed",
            note="the child execution failed (its own faults are the pick_pack_label rows)",
        ),
    )
    yield from _status_change_rows(wf, "MarkShipped", _FULFILMENT_FAILED)
    yield from _rows(
        wf,
        "NotifyShipped",
        timeout=retried(note="published twice; the outbox e-mails the customer once"),
        business_error=not_applicable(NO_BUSINESS_ERROR_PUBLISH),
    )
    yield from _rows(
        wf,
        "DropHold",
        timeout=retried(note="removing an attribute twice changes nothing"),
        business_error=not_applicable(NO_BUSINESS_ERROR_WRITE),
    )
    yield from _status_change_rows(wf, "MarkRejected", awaiting_failed)
    yield from _release_rows(wf, "ReleaseLine", _REJECTED, lines=1)
    yield from _rows(
        wf,
        "RefundPayment",
        timeout=retried(note="refunding is idempotent: refunded once"),
        business_error=failed(
            replace(
                _FULFILMENT_FAILED,
                order="REJECTED",
                stock=Stock.UNCHANGED,
                rejection="REJECTED_BY_REVIEWER",
            ),
            business_error="PaymentNotFound",
        ),
    )
    yield from _rows(
        wf,
        "NotifyRejected",
        timeout=retried(),
        business_error=not_applicable(NO_BUSINESS_ERROR_PUBLISH),
    )


def _pick_pack_label() -> Iterator[Row]:
    wf = "pick_pack_label"
    for state, business in (
        ("Pick", "DynamoDB.ConditionalCheckFailedException"),
        ("Pack", "DynamoDB.ConditionalCheckFailedException"),
        ("Label", "ValidationError"),
    ):
        yield from _rows(
            wf,
            state,
            timeout=retried(),
            business_error=failed(
                _FULFILMENT_FAILED,
                business_error=business,
                note="the child fails every run; the parent retries it whole, then stops",
            ),
        )


def _inventory_import() -> Iterator[Row]:
    wf = "inventory_import"
    nothing_loaded = Expect(execution="FAILED", stock=Stock.UNCHANGED)
    yield from _rows(
        wf,
        "Extract",
        timeout=retried(note="extracting is deterministic: the same chunks are written again"),
        business_error=failed(
            replace(nothing_loaded, error="ImportFileRejected", notified="REJECTED"),
            business_error="ImportFileRejected",
        ),
    )
    yield from _rows(
        wf,
        "LoadChunk",
        timeout=retried(note="loading is idempotent per part: the units are added once"),
        business_error=failed(
            replace(nothing_loaded, error="ImportFailed", notified="FAILED"),
            business_error="ValidationError",
        ),
    )
    for state in ("NotifyImported", "NotifyRejected", "NotifyFailed"):
        yield from _rows(
            wf,
            state,
            timeout=retried(),
            business_error=not_applicable(NO_BUSINESS_ERROR_PUBLISH),
        )


ROWS: tuple[Row, ...] = (
    *_order_processing(),
    *_order_fulfilment(),
    *_pick_pack_label(),
    *_inventory_import(),
)
