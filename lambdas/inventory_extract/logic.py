"""A stock-receipt CSV, read line by line: every line checked, quantities summed per product.

The whole file is validated before anything is loaded, so a file is imported completely or not
at all; a bad file is answered with every bad line (up to a cap), not just the first, so the
sender fixes it in one go. Parsing is pure (lines of bytes in, a ``ParsedFile`` out) and keeps
only the per-product totals, never the rows, so a large file costs memory per product.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from shared.errors import ValidationError

HEADER = "productId,quantity"
BOM = "\ufeff"
PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Lenient on purpose, so a bad quantity can be named precisely (negative, decimal, ...).
NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]*)(?P<fraction>\.[0-9]*)?")
BAD_PRODUCT_ID = "productId must be 1 to 64 letters, digits, '_' or '-'"
MAX_QUANTITY = 1_000_000
MAX_REPORTED_LINES = 1000
MAX_LINE_TEXT = 200
CHUNK_ROWS = 1000

INCOMING = "incoming/"
REJECTED = "rejected/"
WORK = "work/"
REPORT_SUFFIX = ".report.json"


class BadLineReport(TypedDict):
    line: int
    text: str
    problem: str


class ChunkRow(TypedDict):
    productId: str
    quantity: int


class ChunkRef(TypedDict):
    key: str
    index: int


class ExtractResult(TypedDict):
    """What the state machine carries on: chunk keys and counts, never rows (claim check)."""

    importId: str
    bucket: str
    source: str
    rows: int
    products: int
    units: int
    chunks: list[ChunkRef]


@dataclass(frozen=True)
class ImportRequest:
    """One uploaded object, named as S3 announced it (etag and/or version id)."""

    bucket: str
    key: str
    etag: str | None
    version: str | None

    @property
    def import_id(self) -> str:
        """The same upload delivered twice gets the same id, so its chunks load once.

        Built from the object's identity at upload time, not from when it was processed: a
        re-upload of the same name is another object (another etag or version), another import.
        """
        identity = "\n".join((self.bucket, self.key, self.etag or "", self.version or ""))
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    @property
    def name(self) -> str:
        """The key below ``incoming/``: the name it keeps under ``rejected/``."""
        return self.key.removeprefix(INCOMING)

    @property
    def rejected_key(self) -> str:
        return REJECTED + self.name

    @property
    def report_key(self) -> str:
        return REJECTED + self.name + REPORT_SUFFIX


@dataclass(frozen=True)
class BadLine:
    line: int  # 1-based; the header is line 1
    text: str
    problem: str

    def as_report(self) -> BadLineReport:
        return {"line": self.line, "text": self.text, "problem": self.problem}


@dataclass(frozen=True)
class ParsedFile:
    rows: int  # data lines, valid or not
    totals: Mapping[str, int]  # productId -> summed quantity, in order of first appearance
    bad_lines: tuple[BadLine, ...]  # the first MAX_REPORTED_LINES
    bad_line_count: int  # all of them

    @property
    def valid(self) -> bool:
        return self.bad_line_count == 0

    @property
    def products(self) -> int:
        return len(self.totals)

    @property
    def units(self) -> int:
        return sum(self.totals.values())


def _optional_string(event: Mapping[str, Any], field: str, name: str) -> str | None:
    value = event.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValidationError(name, "a non-empty string when given")
    return value


def parse_request(event: Mapping[str, Any], import_bucket: str) -> ImportRequest:
    """Check the state machine's input; raise ValidationError before touching any object.

    The bucket must be the one this function is configured for: its role could reach others,
    and an event naming another bucket is a mistake or an attack, never an import.
    """
    bucket, uploaded = event.get("bucket"), event.get("object")
    if not isinstance(bucket, str) or not bucket:
        raise ValidationError("bucket", "required, a non-empty string")
    if bucket != import_bucket:
        raise ValidationError("bucket", f"not the import bucket {import_bucket}")
    if not isinstance(uploaded, Mapping):
        raise ValidationError("object", "required, the S3 event's detail.object")
    key = uploaded.get("key")
    if not isinstance(key, str) or not key.startswith(INCOMING) or key.endswith("/"):
        raise ValidationError("object.key", f"required, an object under {INCOMING}")
    # AWS sends both for a versioned bucket; an emulator may send only one of them.
    etag = _optional_string(uploaded, "etag", "object.etag")
    version = _optional_string(uploaded, "version-id", "object.version-id")
    if etag is None and version is None:
        raise ValidationError("object.etag", "required (or version-id): it names the upload")
    return ImportRequest(bucket=bucket, key=key, etag=etag, version=version)


def _number_problem(match: re.Match[str]) -> str | None:
    """What keeps a number from being a stock quantity, if anything."""
    if match["sign"] == "-":
        return "quantity must not be negative"
    if match["sign"] == "+":
        return "quantity must be written without a sign"
    if match["fraction"] is not None:
        return "quantity must be a whole number, not a decimal"
    digits = match["whole"].lstrip("0")
    if not digits:
        return "quantity must be at least 1"
    if len(digits) > len(str(MAX_QUANTITY)) or int(digits) > MAX_QUANTITY:
        return f"quantity must be at most {MAX_QUANTITY}"
    return None


def _quantity(text: str) -> int | str:
    """The quantity, or the problem with it."""
    if not text:
        return "quantity is missing"
    match = NUMBER.fullmatch(text)
    if match is None or not any(ch.isdigit() for ch in text):
        return f"quantity is not a number: expected a whole number from 1 to {MAX_QUANTITY}"
    return _number_problem(match) or int(match["whole"])


def parse_row(text: str) -> tuple[str, int] | str:
    """``(productId, quantity)`` from one data line, or what is wrong with it."""
    fields = [field.strip() for field in text.strip().split(",")]
    if len(fields) != 2:
        return f"expected 2 columns ({HEADER}), found {len(fields)}"
    product_id, quantity_text = fields
    quantity = _quantity(quantity_text)
    problems = [] if PRODUCT_ID.fullmatch(product_id) else [BAD_PRODUCT_ID]
    if isinstance(quantity, str):
        problems.append(quantity)
    if problems or isinstance(quantity, str):
        return "; ".join(problems)
    return product_id, quantity


class _Parser:
    """The state of one pass over a file (kept out of ``ParsedFile``, which is frozen)."""

    def __init__(self) -> None:
        self.rows = 0
        self.totals: dict[str, int] = {}
        self.bad_lines: list[BadLine] = []
        self.bad_line_count = 0
        self.blank_lines: list[int] = []  # blank so far; bad only if a row follows them

    def bad(self, line: int, text: str, problem: str) -> None:
        self.bad_line_count += 1
        if len(self.bad_lines) < MAX_REPORTED_LINES:
            self.bad_lines.append(BadLine(line, text[:MAX_LINE_TEXT], problem))

    def line(self, number: int, raw: bytes) -> None:
        """Check one line. Each is decoded on its own: UTF-8 never splits a character across
        a newline, so a line that is not UTF-8 is reported by number like any other."""
        problem = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, problem = raw.decode("utf-8", errors="replace"), "not UTF-8 text"
        if number == 1:
            text = text.removeprefix(BOM)
            if problem is None and text.strip() != HEADER:
                problem = f"expected the header {HEADER}"
            if problem is not None:
                self.bad(number, text, problem)
            return
        if problem is None and not text.strip():
            self.blank_lines.append(number)
            return
        for blank in self.blank_lines:
            self.bad(blank, "", "blank line between rows")
        self.blank_lines.clear()
        self.rows += 1
        row = parse_row(text) if problem is None else problem
        if isinstance(row, str):
            self.bad(number, text, row)
            return
        product_id, quantity = row
        self.totals[product_id] = self.totals.get(product_id, 0) + quantity

    def result(self) -> ParsedFile:
        return ParsedFile(
            rows=self.rows,
            totals=self.totals,
            bad_lines=tuple(self.bad_lines),
            bad_line_count=self.bad_line_count,
        )


def parse(lines: Iterable[bytes]) -> ParsedFile:
    """Check every line of a file given as lines of bytes (without their line endings).

    The header is line 1 (a UTF-8 BOM and surrounding whitespace allowed); blank lines at the
    end are ignored, blank lines between rows are bad lines.
    """
    parser = _Parser()
    count = 0
    for count, raw in enumerate(lines, start=1):
        parser.line(count, raw)
    if count == 0:
        parser.bad(1, "", f"the file is empty: expected the header {HEADER} and rows")
    elif parser.rows == 0:
        parser.bad(2, "", "no data rows after the header")
    return parser.result()


def chunks(totals: Mapping[str, int], size: int = CHUNK_ROWS) -> list[list[ChunkRow]]:
    """The totals as lists of at most ``size`` products, in the order they first appeared.

    The order is a pure function of the file, so a repeated extract of the same upload writes
    the same chunks, and the load's per-part markers keep meaning the same rows.
    """
    rows: list[ChunkRow] = [{"productId": p, "quantity": q} for p, q in totals.items()]
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def chunk_key(import_id: str, index: int) -> str:
    return f"{WORK}{import_id}/chunk-{index:05d}.json"


def rejection_report(source: str, parsed: ParsedFile, rejected_at: str) -> dict[str, Any]:
    return {
        "source": source,
        "badLineCount": parsed.bad_line_count,
        "badLines": [line.as_report() for line in parsed.bad_lines],
        "rejectedAt": rejected_at,
    }
