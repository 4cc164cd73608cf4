"""Message records: the unit the scorer reads.

`{"id", "text", "context"?}` plus any extra fields, which are carried through
untouched. Validation happens once, here, for the batch jobs, the API and the
gold-data checks alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inference.errors import RecordError
from inference.limits import MAX_ID_CHARS, MAX_TEXT_CHARS


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    text: str
    context: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def require_id(obj: dict[str, Any]) -> str:
    """A record id: a non-empty string (integers are accepted and kept as text)."""
    rid = obj.get("id")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        raise RecordError("missing or not a string" if rid is None else
                          f"must be a string, got {type(rid).__name__}", field="id")
    rid = str(rid)
    if not rid.strip():
        raise RecordError("empty id", field="id")
    if len(rid) > MAX_ID_CHARS:
        raise RecordError(f"{len(rid)} characters, over the limit of {MAX_ID_CHARS}", field="id")
    return rid


def check_text(value: Any, field_name: str, *, required: bool,
               max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """A text field: a string, not blank when required, within the size limit.

    A blank optional text becomes None: an empty consumer context must reach
    the model as no second segment, not as an empty one.
    """
    if value is None:
        if required:
            raise RecordError("missing", field=field_name)
        return None
    if not isinstance(value, str):
        raise RecordError(f"must be a string, got {type(value).__name__}", field=field_name)
    if "\x00" in value:
        raise RecordError("contains a NUL character", field=field_name)
    if not value.strip():
        if required:
            raise RecordError("empty or whitespace-only text", field=field_name)
        return None
    if len(value) > max_chars:
        raise RecordError(f"{len(value)} characters, over the limit of {max_chars}", field=field_name)
    return value


def parse_message(obj: Any, *, max_chars: int = MAX_TEXT_CHARS) -> Message:
    """Validate one decoded JSON value as a message record."""
    if not isinstance(obj, dict):
        raise RecordError(f"record must be a JSON object, got {type(obj).__name__}", field="record")
    rid = require_id(obj)
    try:
        text = check_text(obj.get("text"), "text", required=True, max_chars=max_chars)
        context = check_text(obj.get("context"), "context", required=False, max_chars=max_chars)
    except RecordError as err:
        raise err.located(record_id=rid) from None
    extra = {k: v for k, v in obj.items() if k not in ("id", "text", "context")}
    return Message(id=rid, text=text or "", context=context, extra=extra)
