"""Line-numbered JSON Lines reading that never stops at a bad line.

Readers get `(line_no, obj)` or `(line_no, RecordError)` so that a batch job
can route bad rows to its error file and keep going.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from inference.errors import RecordError
from inference.limits import MAX_LINE_BYTES, MAX_NESTING


def json_depth(obj: Any, limit: int) -> int:
    """Nesting depth, stopping early once past `limit` (deep JSON is an attack, not data)."""
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, d + 1) for v in node)
    return deepest


def parse_line(raw: bytes | str, line_no: int) -> Any:
    """Decode one line into a JSON value or raise a RecordError naming the line."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_LINE_BYTES:
        raise RecordError(f"line is {len(raw)} bytes, over the limit of {MAX_LINE_BYTES}",
                          field="record", line=line_no)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"invalid UTF-8 at byte {exc.start}", field="record", line=line_no) from None
    if "\x00" in text:
        raise RecordError("NUL byte in line", field="record", line=line_no)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"bad JSON: {exc.msg} at column {exc.colno}", field="record",
                          line=line_no) from None
    except RecursionError:
        raise RecordError(f"JSON nested deeper than {MAX_NESTING}", field="record", line=line_no) from None
    if json_depth(obj, MAX_NESTING) > MAX_NESTING:
        raise RecordError(f"JSON nested deeper than {MAX_NESTING}", field="record", line=line_no)
    return obj


def iter_jsonl(stream: IO[bytes], *, source: str | None = None,
               start_line: int = 1) -> Iterator[tuple[int, Any | RecordError]]:
    """Yield (line number, value or error) for each non-blank line of a binary stream."""
    for line_no, raw in enumerate(stream, start=start_line):
        if not raw.strip():
            continue
        try:
            yield line_no, parse_line(raw.rstrip(b"\r\n"), line_no)
        except RecordError as err:
            yield line_no, err.located(source=source)


def read_jsonl(path: Path) -> list[tuple[int, Any | RecordError]]:
    """Read a whole (small) JSONL file; for gold data and tests, not for batch jobs."""
    with open(path, "rb") as fh:
        return list(iter_jsonl(fh, source=str(path)))
