"""shared.observability: personal fields erased before anything is logged, and business
errors counted apart from crashes."""

import copy
import json
from typing import Any

import pytest

from shared.errors import ImportFileRejected, PaymentDeclined, ProcessorUnavailable, ValidationError
from shared.masking import masked
from shared.observability import (
    BUSINESS_ERROR_METRIC,
    counting_business_errors,
    create_observability,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def order() -> dict[str, Any]:
    return {
        "orderId": "ord-1",
        "email": "top@example.com",
        "customer": {"customerId": "cust-42", "email": "ada@example.com", "name": "Ada Lovelace"},
        "payment": {"processor": "stripe", "token": "tok_secret_4242"},
        "shipping": {"to": {"recipient": {"name": "Charles Babbage", "phone": "+44 20 7946 0000"}}},
        "items": [{"productId": "MUG-LAMBDA", "quantity": 2}],
    }


PERSONAL_VALUES = [
    "top@example.com",
    "ada@example.com",
    "Ada Lovelace",
    "tok_secret_4242",
    "Charles Babbage",
    "+44 20 7946 0000",
]


@pytest.mark.parametrize("secret", PERSONAL_VALUES)
def test_personal_value_is_erased_at_any_depth(order: dict[str, Any], secret: str) -> None:
    assert secret in json.dumps(order)

    assert secret not in json.dumps(masked(order))


def test_other_fields_are_kept_and_erased_keys_remain(order: dict[str, Any]) -> None:
    result = masked(order)

    assert result["orderId"] == "ord-1"
    assert result["customer"]["customerId"] == "cust-42"
    assert result["payment"]["processor"] == "stripe"
    assert result["items"] == [{"productId": "MUG-LAMBDA", "quantity": 2}]
    assert set(result["customer"]) == {"customerId", "email", "name"}


def test_input_is_not_mutated(order: dict[str, Any]) -> None:
    before = copy.deepcopy(order)

    masked(order)

    assert order == before


@pytest.mark.parametrize("value", ["a@example.com", 42, None, 1.5])
def test_input_that_is_not_a_dict_or_list_is_returned_unchanged(value: Any) -> None:
    assert masked(value) is value


def test_personal_fields_in_a_list_payload_are_erased() -> None:
    result = masked([{"email": "ada@example.com", "orderId": "ord-1"}])

    assert "ada@example.com" not in json.dumps(result)


def test_create_observability_gives_logger_tracer_and_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "unit-service")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")

    logger, tracer, metrics = create_observability()

    assert logger.service == "unit-service"
    assert tracer.disabled
    assert metrics.service == "unit-service"


def emitted_metrics(output: str) -> dict[str, Any]:
    """The metric values of the EMF blobs Powertools printed."""
    values: dict[str, Any] = {}
    for line in output.splitlines():
        blob = json.loads(line) if line.startswith("{") else {}
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            values.update({metric["Name"]: blob[metric["Name"]] for metric in directive["Metrics"]})
    return values


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("items[0].quantity", "must be at least 1"),
        PaymentDeclined("card declined"),
        ImportFileRejected("rejected/stock.csv.report.json", 3),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_business_error_is_counted_and_raised_unchanged(
    error: Exception, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Tests")
    _, _, metrics = create_observability()

    @metrics.log_metrics
    @counting_business_errors(metrics)
    def handler(event: dict[str, Any], context: object) -> None:
        raise error

    with pytest.raises(type(error)) as raised:
        handler({}, None)

    assert raised.value is error
    assert emitted_metrics(capsys.readouterr().out) == {BUSINESS_ERROR_METRIC: [1.0]}


def test_any_other_error_is_not_a_business_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Tests")
    _, _, metrics = create_observability()

    @metrics.log_metrics
    @counting_business_errors(metrics)
    def handler(event: dict[str, Any], context: object) -> None:
        raise ProcessorUnavailable("503 from the processor")

    with pytest.raises(ProcessorUnavailable):
        handler({}, None)

    assert BUSINESS_ERROR_METRIC not in emitted_metrics(capsys.readouterr().out)
