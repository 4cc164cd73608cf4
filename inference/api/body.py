"""Reading a request body safely: content type, size, UTF-8, NUL bytes, nesting, record count.

The body is read by hand (not by a framework model) so that every rejection
is one of our errors with the field and the limit, and so that the records
go through the same parsers as the batch jobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request

from inference.api.errors import ApiError
from inference.api.settings import ApiSettings
from inference.errors import RecordError
from inference.jsonl import json_depth
from inference.taxonomy import LABELS


async def read_json(request: Request, settings: ApiSettings) -> Any:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(415, f"content type must be application/json, got {ctype or 'none'!r}",
                       field="content-type", kind="content_type")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise ApiError(413, "request body too large", field="body", limit=settings.max_body_bytes, kind="too_large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise ApiError(413, "request body too large", field="body", limit=settings.max_body_bytes,
                           kind="too_large")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"body is not valid UTF-8 (byte {exc.start})", field="body", kind="encoding") from None
    if "\x00" in text:
        raise ApiError(400, "body contains a NUL byte", field="body", kind="encoding")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field="body",
                       kind="json") from None
    except RecursionError:
        raise ApiError(400, "JSON nested too deeply", field="body", limit=settings.max_json_depth,
                       kind="json") from None
    if json_depth(value, settings.max_json_depth) > settings.max_json_depth:
        raise ApiError(400, "JSON nested too deeply", field="body", limit=settings.max_json_depth, kind="json")
    return value


def records_of(value: Any, settings: ApiSettings) -> tuple[list[Any], dict[str, float]]:
    """One record, a list of records, or {"records": [...], "thresholds": {...}}."""
    thresholds: dict[str, float] = {}
    if isinstance(value, dict) and "records" in value:
        extra = set(value) - {"records", "thresholds"}
        if extra:
            raise ApiError(422, f"unknown key {sorted(extra)[0]!r}", field=sorted(extra)[0], kind="schema")
        thresholds = _thresholds(value.get("thresholds") or {})
        value = value["records"]
        if not isinstance(value, list):
            raise ApiError(422, "must be a list of records", field="records", kind="schema")
    records = value if isinstance(value, list) else [value]
    if not records:
        raise ApiError(422, "no records", field="records", kind="schema")
    if len(records) > settings.max_records:
        raise ApiError(413, f"{len(records)} records in one request", field="records", limit=settings.max_records,
                       kind="too_many_records")
    return records, thresholds


def _thresholds(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ApiError(422, "must be an object of label: threshold", field="thresholds", kind="schema")
    out = {}
    for label, value in raw.items():
        if label not in LABELS:
            raise ApiError(422, f"unknown label {label!r}", field=f"thresholds.{label}", kind="schema")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ApiError(422, "must be a number between 0 and 1", field=f"thresholds.{label}", limit=[0, 1],
                           kind="schema")
        out[label] = float(value)
    return out


def parse_all(records: list[Any], parse: Callable[[Any], Any]) -> list[Any]:
    """Every record through the batch jobs' parser; the first bad one rejects the request."""
    out = []
    for i, raw in enumerate(records):
        try:
            out.append(parse(raw))
        except RecordError as err:
            field = f"records[{i}].{err.field}" if err.field and err.field != "record" else f"records[{i}]"
            raise ApiError(422, err.error, field=field, kind="record") from None
    return out
