"""make bench's load runner, on a small synthetic run: reading locust's samples, the numbers
per rate, the rate it reports, and the plot (the 60-second runs themselves: make bench)."""

import json
from pathlib import Path

import pytest

from devstack.bench.load import (
    RateResult,
    Sample,
    best_rate,
    plot,
    read_samples,
    render,
    summarise,
    users_for,
)
from devstack.bench.tables import percentile

pytestmark = pytest.mark.unit


def write_samples(path: Path, rows: list[tuple[float, float, int, str | None]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"start": start, "ms": ms, "status": status, "error": error}) + "\n"
            for start, ms, status, error in rows
        ),
        encoding="utf-8",
    )
    return path


def steady_run(rate: float, seconds: int, ms: float) -> list[Sample]:
    count = int(rate * seconds)
    return [Sample(1000.0 + i / rate, ms, 200, None) for i in range(count)]


def test_samples_are_read_with_their_status_and_error(tmp_path: Path) -> None:
    rows = [
        (1000.0, 250.0, 200, None),
        (1000.5, 40.0, 409, "CatchResponseError"),
        (1001.0, 5.0, 0, "ConnectionRefusedError"),
    ]
    path = write_samples(tmp_path / "rate-2.jsonl", rows)

    samples = read_samples(path)

    assert [s.ok for s in samples] == [True, False, False]
    assert [s.kind for s in samples] == ["HTTP 200", "HTTP 409", "ConnectionRefusedError"]


def test_a_run_that_keeps_up_achieves_the_offered_rate() -> None:
    result = summarise(4, 10, users_for(4, 10), steady_run(4, 10, 300.0))

    assert (result.sent, result.succeeded, result.failed) == (40, 40, 0)
    assert result.throughput == pytest.approx(4.0)
    assert result.p50_ms == result.p95_ms == result.p99_ms == 300.0


def test_orders_sent_late_lower_the_achieved_rate_and_failures_are_counted_by_kind() -> None:
    # A 10 s run at 2/s whose users waited for slow answers: 20 orders sent over 15 s.
    samples = [Sample(1000.0 + i * 0.75, 4000.0, 200, None) for i in range(20)]
    samples[0] = Sample(samples[0].start, 100.0, 500, "CatchResponseError")

    result = summarise(2, 10, 10, samples)

    assert result.failures == {"HTTP 500": 1}
    assert result.throughput == pytest.approx(19 / (19 * 0.75 + 0.5))
    assert result.p95_ms == 4000.0
    assert result.max_ms == 4000.0


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([7.0], 99) == 7.0


def test_users_make_the_rate_at_one_order_each_per_five_seconds() -> None:
    assert users_for(2, 60) == 10
    assert users_for(16, 60) == 80
    assert users_for(4, 1) == 4  # never more users than orders in the run


def rate(offered: float, p95: float, failed: int = 0) -> RateResult:
    failures = {"HTTP 500": failed} if failed else {}
    return RateResult(offered, 60, 10, 100, 100 - failed, offered, p95 / 2, p95, p95, p95, failures)


def test_the_reported_rate_is_the_highest_with_p95_under_a_second() -> None:
    results = [rate(2, 300), rate(4, 450), rate(8, 1400), rate(12, 900)]

    best = best_rate(results)

    assert best is not None and best.rate == 12  # p95 is what counts, not the order of rates
    assert "**12 orders/s**" in render(results)
    assert "no failed request: target met" in render(results)


def test_failures_at_the_reported_rate_mean_the_target_is_not_met() -> None:
    results = [rate(2, 300), rate(4, 700, failed=3)]

    assert "3 failed request(s): target not met" in render(results)
    assert "no rate kept p95 under 1 s" in render([rate(2, 1500)])


def test_the_plot_is_written_as_a_png(tmp_path: Path) -> None:
    results = [
        summarise(2, 10, 10, steady_run(2, 10, 300.0)),
        summarise(4, 10, 20, steady_run(4, 10, 1200.0)),
    ]

    written = plot(results, tmp_path / "load.png", "synthetic")

    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written.stat().st_size > 10_000
