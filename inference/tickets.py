"""Ticket records: what the rule gate reads (taxonomy section 2).

Parsed by hand rather than by a schema library so that every error names the
exact path (`events[3].changes.refund_amount`), which is what a person fixing
an export needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inference.errors import RecordError
from inference.limits import MAX_EVENTS
from inference.records import check_text, require_id
from inference.taxonomy import ACTORS, EVENT_KINDS, MODIFIABLE_FIELDS, REQUEST_TYPES, RETURN_METHODS

_MEASURE_KINDS = ("pickup", "pickup_failed")


@dataclass(frozen=True, slots=True)
class Event:
    index: int                      # position in the input, for evidence
    at: datetime
    actor: str
    kind: str
    text: str | None
    changes: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    request: dict[str, Any]
    shop: dict[str, Any]
    product: dict[str, Any] | None
    events: tuple[Event, ...]       # sorted by time (stable for equal times)
    extra: dict[str, Any] = field(default_factory=dict)


def _number(value: Any, path: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordError(f"must be a finite number, got {value!r}", field=path)
    if value < 0 or (positive and value == 0):
        raise RecordError(f"must be {'positive' if positive else 'non-negative'}, got {value!r}", field=path)
    return float(value)


def _sizes(value: Any, path: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 3:
        raise RecordError("must be a list of three numbers (cm)", field=path)
    return [_number(v, f"{path}[{i}]", positive=True) for i, v in enumerate(value)]


def _object(value: Any, path: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise RecordError("missing" if value is None else "must be a JSON object", field=path)
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...], *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if value not in choices:
        raise RecordError(f"must be one of {', '.join(choices)}; got {value!r}", field=path)
    return value


def parse_time(value: Any, path: str) -> datetime:
    """ISO 8601 with an explicit offset: a naive time would be read in the server's zone."""
    if not isinstance(value, str):
        raise RecordError("must be an ISO 8601 string", field=path)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"unparsable time {value!r}", field=path) from None
    if at.tzinfo is None:
        raise RecordError(f"time {value!r} has no UTC offset", field=path)
    return at


def _request(obj: dict[str, Any]) -> dict[str, Any]:
    req = _object(obj.get("request"), "request")
    out = dict(req)
    out["type"] = _choice(req.get("type"), "request.type", REQUEST_TYPES)
    out["return_method"] = _choice(req.get("return_method"), "request.return_method",
                                   RETURN_METHODS, required=False)
    out["reason"] = check_text(req.get("reason"), "request.reason", required=False)
    if req.get("refund_amount") is not None:
        out["refund_amount"] = _number(req["refund_amount"], "request.refund_amount")
    return out


def _shop(obj: dict[str, Any]) -> dict[str, Any]:
    shop = _object(obj.get("shop"), "shop")
    out = dict(shop)
    for key in ("return_address", "phone"):
        value = shop.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise RecordError("must be a string", field=f"shop.{key}")
        out[key] = value  # blank or malformed is a P3 finding, not a bad record
    cross = shop.get("cross_border", False)
    if not isinstance(cross, bool):
        raise RecordError("must be true or false", field="shop.cross_border")
    out["cross_border"] = cross
    return out


def _product(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj.get("product") is None:
        return None
    prod = _object(obj["product"], "product")
    out = dict(prod)
    if prod.get("declared_weight_kg") is not None:
        out["declared_weight_kg"] = _number(prod["declared_weight_kg"], "product.declared_weight_kg",
                                            positive=True)
    if prod.get("declared_size_cm") is not None:
        out["declared_size_cm"] = _sizes(prod["declared_size_cm"], "product.declared_size_cm")
    return out


def _changes(kind: str, value: Any, path: str) -> dict[str, Any]:
    changes = _object(value, path, required=False)
    if not changes:
        if kind == "refund":
            raise RecordError("a refund event needs changes.refund_amount", field=path)
        return {}
    if kind == "modify":
        out = {}
        for key, diff in changes.items():
            _choice(key, f"{path}.{key}", MODIFIABLE_FIELDS)
            if not isinstance(diff, dict) or set(diff) != {"from", "to"}:
                raise RecordError('must be {"from": old, "to": new}', field=f"{path}.{key}")
            out[key] = dict(diff)
        return out
    if kind == "refund":
        if set(changes) != {"refund_amount"}:
            raise RecordError("a refund event carries only refund_amount", field=path)
        return {"refund_amount": _number(changes["refund_amount"], f"{path}.refund_amount")}
    if kind in _MEASURE_KINDS:
        unknown = set(changes) - {"measured_weight_kg", "measured_size_cm"}
        if unknown:
            raise RecordError(f"unknown key {sorted(unknown)[0]!r}", field=path)
        out = {}
        if "measured_weight_kg" in changes:
            out["measured_weight_kg"] = _number(changes["measured_weight_kg"],
                                                f"{path}.measured_weight_kg", positive=True)
        if "measured_size_cm" in changes:
            out["measured_size_cm"] = _sizes(changes["measured_size_cm"], f"{path}.measured_size_cm")
        return out
    raise RecordError(f"a {kind} event carries no changes", field=path)


_EVENT_KEYS = ("at", "actor", "kind", "text", "changes")


def _event(raw: Any, index: int) -> Event:
    path = f"events[{index}]"
    ev = _object(raw, path)
    kind = _choice(ev.get("kind"), f"{path}.kind", EVENT_KINDS)
    return Event(
        index=index,
        at=parse_time(ev.get("at"), f"{path}.at"),
        actor=_choice(ev.get("actor"), f"{path}.actor", ACTORS),
        kind=kind,
        text=check_text(ev.get("text"), f"{path}.text", required=False),
        changes=_changes(kind, ev.get("changes"), f"{path}.changes"),
        extra={k: v for k, v in ev.items() if k not in _EVENT_KEYS},
    )


def parse_ticket(obj: Any) -> Ticket:
    """Validate one decoded JSON value as a ticket; events come back sorted by time."""
    if not isinstance(obj, dict):
        raise RecordError(f"record must be a JSON object, got {type(obj).__name__}", field="record")
    rid = require_id(obj)
    try:
        events = obj.get("events")
        if not isinstance(events, list) or not events:
            raise RecordError("must be a non-empty list", field="events")
        if len(events) > MAX_EVENTS:
            raise RecordError(f"{len(events)} events, over the limit of {MAX_EVENTS}", field="events")
        parsed = [_event(raw, i) for i, raw in enumerate(events)]
        return Ticket(
            id=rid, request=_request(obj), shop=_shop(obj), product=_product(obj),
            events=tuple(sorted(parsed, key=lambda e: (e.at, e.index))),
            extra={k: v for k, v in obj.items()
                   if k not in ("id", "request", "shop", "product", "events")},
        )
    except RecordError as err:
        raise err.located(record_id=rid) from None
