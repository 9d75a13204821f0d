"""Markdown tables and the percentiles every bench reports."""

import statistics
from collections.abc import Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; numbers right-aligned (the header's column is marked so)."""

    def aligned(column: int) -> str:
        numeric = all(isinstance(row[column], int | float) for row in rows) and rows
        return "---:" if numeric else "---"

    lines = ["| " + " | ".join(header) + " |"]
    lines.append("| " + " | ".join(aligned(i) for i in range(len(header))) + " |")
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def percentile(values: Sequence[float], percent: float) -> float:
    """The ``percent``-th percentile, interpolated between the closest ranks (numpy's default
    "linear" method); the one value when there is only one."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return float(values[0])
    ordered = sorted(values)
    rank = (len(ordered) - 1) * percent / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
