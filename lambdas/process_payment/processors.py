"""Simulated payment processors (stripe, paypal, applepay) with deterministic outcomes.

The card token decides what happens, so tests, demos and load runs are repeatable:

=========================  ==============================================================
token                      outcome
=========================  ==============================================================
``tok_decline_<reason>``   PaymentDeclined with that reason, every time
``tok_unavailable_<n>``    ProcessorUnavailable on the first n attempts for the order, then captured
``tok_throttle_<n>``       ProcessorThrottled on the first n attempts for the order, then captured
``tok_slow_<ms>``          waits ms milliseconds, then captured (for timeout drills)
anything else              captured
=========================  ==============================================================

Attempts are counted in the ledger, so a fault injected for "the first 2 attempts" holds
across separate Lambda invocations, exactly as Step Functions' Retry makes them.
"""

import time
from dataclasses import dataclass

from shared.errors import PaymentDeclined, ProcessorThrottled, ProcessorUnavailable
from shared.payment_ledger import Charge, PaymentLedger


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str
    processor: str
    token: str
    amount: int
    currency: str


def _token_argument(token: str, prefix: str) -> str | None:
    return token[len(prefix) :] if token.startswith(prefix) else None


def _fault_count(token: str, prefix: str) -> int:
    argument = _token_argument(token, prefix)
    return int(argument) if argument and argument.isdigit() else 0


class SimulatedProcessor:
    def __init__(self, ledger: PaymentLedger) -> None:
        self._ledger = ledger

    def charge(self, request: ChargeRequest) -> Charge:
        token = request.token
        reason = _token_argument(token, "tok_decline_")
        if reason is not None:
            raise PaymentDeclined(f"{request.processor} declined the card: {reason or 'declined'}")
        injected = {
            ProcessorUnavailable: _fault_count(token, "tok_unavailable_"),
            ProcessorThrottled: _fault_count(token, "tok_throttle_"),
        }
        for fault, count in injected.items():
            if count:
                attempt = self._ledger.count_attempt(request.processor, request.order_id)
                if attempt <= count:
                    raise fault(f"{request.processor} fault {attempt} of {count} (injected)")
        delay_ms = _fault_count(token, "tok_slow_")
        if delay_ms:
            time.sleep(delay_ms / 1000)
        return self._ledger.capture(
            request.processor, request.order_id, request.amount, request.currency
        )
