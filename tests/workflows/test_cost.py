"""make cost's measurements come from real runs of the workflows on the embedded emulator.

One measurement (orders of both kinds, placed and fulfilled, no imports, one timed sample) is
taken on the session's stack; each test checks one thing it must hold.
"""

from typing import Any

import pytest

from devstack.asl_history import count_transitions
from devstack.cost import order_lambda_calls
from devstack.cost_measure import Measurement, measure_on
from devstack.embedded_stack import EmbeddedStack
from devstack.pricing import load_prices, order_path_lines, seeds_path, total, total_of_cents
from tests.workflows.conftest import Observers

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def measured(session_stack: tuple[EmbeddedStack, Observers]) -> Measurement:
    stack, _ = session_stack
    stack.seed()
    return measure_on(stack, samples=1, import_rows=())


def test_transitions_per_order_are_those_of_a_real_execution(
    measured: Measurement, stack: EmbeddedStack, make_order: Any
) -> None:
    placed = stack.place_order(make_order(("MUG-LAMBDA", 2)))

    assert placed.output and placed.output["statusCode"] == 200
    assert measured.low_value_order.transitions("order_processing") == count_transitions(
        placed.history
    )


def test_the_order_workflow_invokes_lambda_twice(measured: Measurement) -> None:
    assert order_lambda_calls(measured) == 2
    for run in (measured.low_value_order, measured.high_value_order):
        assert run.invocations["validate_order"] == 1
        assert run.invocations["process_payment"] == 1


def test_event_driven_invocations_are_counted_too(measured: Measurement) -> None:
    low, high = measured.low_value_order, measured.high_value_order

    assert low.invocations["notifier"] == 2  # placed, then shipped
    assert low.invocations["shipping_label"] == 1  # in fulfilment's Express child
    assert low.invocations["risk_screening"] == 0
    assert high.invocations["risk_screening"] == 1  # only orders above £200 are screened
    assert high.transitions("order_fulfilment") > low.transitions("order_fulfilment")
    assert high.execution_count("pick_pack_label") == 1


def test_the_reviewers_requests_count_and_the_harness_polls_do_not(
    measured: Measurement,
) -> None:
    high = measured.high_value_order.usage

    assert high.count("sqs", "DeleteMessage") == 1  # the reviewer's approval
    assert high.count("sfn", "GetExecutionHistory") == 0  # read by the harness
    assert measured.low_value_order.usage.count("sqs", "ReceiveMessage") == 0


def test_one_million_orders_cost_at_most_10_dollars_under_the_seeds_assumptions(
    measured: Measurement,
) -> None:
    book = load_prices("us-east-1")
    ours = order_path_lines(1_000_000, seeds_path(order_lambda_calls(measured)), book)
    seeds = order_path_lines(1_000_000, seeds_path(5), book)

    assert total(ours) <= 10.0
    assert total_of_cents(seeds) == 12.80
