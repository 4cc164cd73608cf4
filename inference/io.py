"""Record streams in and out: JSON Lines, CSV and Parquet by extension, `-` for stdin/stdout.

Readers yield `(position, value or RecordError)` and never stop at a bad
record; position is the line number (JSONL; CSV counting the header as line
1) or the row number (Parquet). They read in pieces, so memory stays flat on
inputs larger than RAM. Nested values (a ticket's events, a decision's
evidence) travel as JSON text in CSV and Parquet cells.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from inference.errors import RecordError, UsageError
from inference.jsonl import iter_jsonl

FORMATS = ("jsonl", "csv", "parquet")


def format_of(path: str, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise UsageError(f"unknown format {explicit!r}; expected one of {', '.join(FORMATS)}")
        return explicit
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "csv": "csv", "parquet": "parquet",
           "pq": "parquet"}.get(suffix)
    if fmt is None:
        raise UsageError(f"{path}: cannot tell the format from the extension; use .jsonl, .csv or .parquet "
                         "(or --format)")
    return fmt


def _cell(value: Any) -> Any:
    """CSV/Parquet cells hold text; cells that hold a JSON object or list are decoded (a ticket's
    request, shop and events); anything else stays text and the record parser judges it."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def decode_cells(row: dict[str, Any]) -> dict[str, Any]:
    """A flat CSV/Parquet row as a record: JSON-looking cells decoded."""
    return {k: _cell(v) for k, v in row.items()}


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
    reader = csv.DictReader(text)
    try:
        for row in reader:
            line = reader.line_num
            try:
                if None in row:
                    raise RecordError("more cells than header columns", field="record")
                obj = decode_cells({k: v for k, v in row.items() if v not in (None, "")})
                yield line, obj
            except RecordError as err:
                yield line, err.located(line=line)
    except UnicodeDecodeError as exc:
        yield reader.line_num + 1, RecordError(f"invalid UTF-8 at byte {exc.start}", field="record",
                                               line=reader.line_num + 1)
    except csv.Error as exc:
        yield reader.line_num, RecordError(f"bad CSV: {exc}", field="record", line=reader.line_num)


def _parquet_rows(path: str, skip: int) -> Iterator[tuple[int, Any]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    row = 0
    for batch in pf.iter_batches(batch_size=1024):
        if row + batch.num_rows <= skip:
            row += batch.num_rows
            continue
        for rec in batch.to_pylist():
            row += 1
            if row <= skip:
                continue
            yield row, decode_cells({k: v for k, v in rec.items() if v is not None})


def read_records(path: str, fmt: str, *, skip: int = 0) -> Iterator[tuple[int, Any]]:
    """All records after the first `skip` positions (for --resume), bad ones as RecordError."""
    if fmt == "parquet":
        if path == "-":
            raise UsageError("Parquet cannot be read from stdin")
        yield from _parquet_rows(path, skip)
        return
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        rows = iter_jsonl(stream, source=path) if fmt == "jsonl" else _csv_rows(stream)
        for pos, value in rows:
            if pos > skip:
                yield pos, value
    finally:
        if path != "-":
            stream.close()

