"""make cost's arithmetic: billing rules, the seeds' figure, regions, scaling the measurements."""

import json
from collections import Counter
from pathlib import Path

import pytest

from devstack import cost
from devstack.cost_measure import Execution, Measurement, Run
from devstack.metering import DynamoRequest, Usage, item_bytes
from devstack.pricing import (
    PRICES_FILE,
    SEEDS_FIGURE_USD,
    PriceBook,
    UnknownRegion,
    billed,
    express_lines,
    lambda_lines,
    load_prices,
    order_path_lines,
    seeds_path,
    standard_line,
    total,
    total_of_cents,
)
from devstack.stack import Naming

pytestmark = pytest.mark.unit

MILLION = 1_000_000


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices("us-east-1")


def test_the_seeds_five_invocations_reproduce_their_12_80(book: PriceBook) -> None:
    lines = order_path_lines(MILLION, seeds_path(5), book)

    # 3.50 API + 1.00 + 3.13 Express + 1.00 + 4.17 Lambda: $12.79, $12.80 line by line
    assert total(lines) == pytest.approx(12.7923125)
    assert total_of_cents(lines) == SEEDS_FIGURE_USD == 12.80


def test_two_invocations_under_the_seeds_assumptions_cost_at_most_10(book: PriceBook) -> None:
    lines = order_path_lines(MILLION, seeds_path(2), book)

    assert total(lines) == pytest.approx(9.6923)
    assert total(lines) <= cost.TARGET_USD


@pytest.mark.parametrize(("memory_mb", "billed_mb"), [(1, 64), (64, 64), (65, 128), (200, 256)])
def test_express_memory_is_billed_in_64_mb_steps(
    book: PriceBook, memory_mb: float, billed_mb: float
) -> None:
    _, duration = express_lines("x", MILLION, 1000, memory_mb, book)

    assert duration.quantity == pytest.approx(MILLION * 1.0 * billed_mb / 1024)
    assert f"{billed_mb} MB" in duration.item


@pytest.mark.parametrize(("ms", "billed_ms"), [(1, 100), (100, 100), (101, 200), (290, 300)])
def test_express_duration_is_rounded_up_to_100_ms(
    book: PriceBook, ms: float, billed_ms: float
) -> None:
    _, duration = express_lines("x", 1, ms, 64, book)

    assert duration.quantity == pytest.approx(billed_ms / 1000 * 64 / 1024)
    assert duration.usd == pytest.approx(duration.quantity * 0.00001667)


def test_lambda_duration_is_rounded_up_to_the_millisecond(book: PriceBook) -> None:
    requests, duration = lambda_lines("f", MILLION, 8.2, 256, book)

    assert requests.usd == pytest.approx(0.20)
    assert duration.quantity == pytest.approx(MILLION * 0.009 * 0.25)
    assert billed(8.0, 1) == 8 and billed(0.2, 1) == 1


def test_standard_is_priced_per_state_transition(book: PriceBook) -> None:
    assert standard_line("order_processing", 28 * MILLION, book).usd == pytest.approx(700.0)


def test_a_region_without_prices_is_refused_not_priced_as_us_east_1() -> None:
    with pytest.raises(UnknownRegion, match=r"eu-west-2.*never borrowed"):
        load_prices("eu-west-2")


def test_another_region_is_priced_from_its_own_figures(tmp_path: Path) -> None:
    document = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    theirs = document["regions"].pop("us-east-1")
    theirs["label"] = "Europe (London)"
    theirs["prices"]["apigateway_rest_request"]["usd"] = 4.24
    document["regions"]["eu-west-2"] = theirs
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(document), encoding="utf-8")

    book = load_prices("eu-west-2", prices)

    assert book.region == "eu-west-2" and book.label == "Europe (London)"
    assert book["apigateway_rest_request"] == pytest.approx(4.24e-6)
    with pytest.raises(UnknownRegion):
        load_prices("us-east-1", prices)


def test_make_cost_refuses_an_unknown_region_before_measuring(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cost.main(["--region", "ap-southeast-2"]) == 2

    captured = capsys.readouterr()
    assert "no prices for ap-southeast-2" in captured.err
    assert captured.out == ""


def test_every_price_names_its_aws_pricing_page_and_how_it_was_checked(book: PriceBook) -> None:
    assert book.as_of and book.currency == "USD"
    for price in book.prices.values():
        assert price.source.startswith("https://aws.amazon.com/"), price.key
        assert price.checked, price.key


@pytest.mark.parametrize(
    ("request_", "item_size", "units"),
    [
        (DynamoRequest("t", write=True), 714, 1.0),
        (DynamoRequest("t", write=True), 1025, 2.0),
        (DynamoRequest("t", write=True, transactional=True), 33, 2.0),
        (DynamoRequest("t", write=False, consistent=True), 4096, 1.0),
        (DynamoRequest("t", write=False), 500, 0.5),
        (DynamoRequest("t", write=False, transactional=True), 5000, 4.0),
    ],
)
def test_dynamodb_request_units_follow_item_size_consistency_and_transactions(
    request_: DynamoRequest, item_size: int, units: float
) -> None:
    assert request_.units(item_size) == units


def test_item_size_counts_names_and_values_as_dynamodb_does() -> None:
    item = {"id": {"S": "abc"}, "n": {"N": "12345"}, "ok": {"BOOL": True}, "l": {"L": [{"S": "x"}]}}

    assert item_bytes(item) == (2 + 3) + (1 + 4) + (2 + 1) + (1 + 3 + 1 + 1)


def _run(name: str, usage: Usage, executions: list[Execution], **invocations: int) -> Run:
    return Run(name, executions, Counter(invocations), usage)


def test_queues_consumed_by_lambda_add_the_pollers_receive_and_delete() -> None:
    usage = Usage(
        sqs_messages=Counter(
            {
                Naming().name("notifications"): 2,  # consumed by the notifier
                Naming().name("approvals"): 1,  # read by a reviewer
                "observe-notifications": 5,  # a test's observer: not the stack's
            }
        )
    )
    usage.calls[("sqs", "DeleteMessage")] = 1  # the reviewer's

    billed_units = cost.billable(_run("order", usage, []), {})

    assert billed_units["sqs:requests"] == (2 + 1) + 2 * 2 + 1


def _import(rows: int) -> Run:
    chunks = rows // 1000
    usage = Usage()
    usage.calls[("s3", "GetObject")] = 1 + chunks
    usage.calls[("s3", "DeleteObject")] = 1
    return _run(
        f"import of {rows}",
        usage,
        [Execution("inventory_import", 4 + chunks, 1 + chunks, 10.0, 100)],
        inventory_extract=1,
        inventory_load=chunks,
    )


def _measurement(low: Run, high: Run) -> Measurement:
    """Orders as given, imports measured at 1,000 and 2,000 rows; no durations."""
    return Measurement(
        low_value_order=low,
        high_value_order=high,
        imports={1000: _import(1000), 2000: _import(2000)},
        handler_ms={},
        invocation_ms={},
        express_ms={},
        largest_item_bytes={},
        samples=1,
    )


def test_an_import_scales_per_chunk_from_two_measured_sizes() -> None:
    low = _run("low", Usage(), [Execution("order_fulfilment", 6, 0, 1.0, 1)])
    measurement = _measurement(low, low)

    ten_thousand = cost.import_quantities(measurement, 10_000)

    assert ten_thousand["standard:inventory_import"] == pytest.approx(14)
    assert ten_thousand["lambda:inventory_extract"] == pytest.approx(1)
    assert ten_thousand["lambda:inventory_load"] == pytest.approx(10)
    assert ten_thousand["s3:GET-class"] == pytest.approx(11)
    assert "s3:PUT-class" not in ten_thousand  # DELETE is free


def test_a_month_adds_each_kind_of_order_in_its_share_and_the_imports() -> None:
    low = _run("low", Usage(), [Execution("order_fulfilment", 6, 0, 1.0, 1)], notifier=2)
    high = _run("high", Usage(), [Execution("order_fulfilment", 13, 0, 1.0, 1)], notifier=2)
    measurement = _measurement(low, high)
    profile = cost.Profile(1_000_000, 0.05, 1, 10_000)

    month = cost.monthly_quantities(measurement, profile)

    assert month["standard:order_fulfilment"] == pytest.approx(950_000 * 6 + 50_000 * 13)
    assert month["lambda:notifier"] == pytest.approx(2_000_000)
    assert month["apigateway:requests"] == 1_000_000
    assert month["standard:inventory_import"] == pytest.approx(30 * 14)
