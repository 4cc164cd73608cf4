"""Gold records: message, ticket and store-month records plus their gold answers.

The inference parsers validate the part a production record shares; this
module adds what only gold data has (`labels`, `source`, `expected_codes`,
`gold_labels`) and checks it against the taxonomy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from inference.errors import RecordError
from inference.jsonl import read_jsonl
from inference.records import Message, parse_message
from inference.store_rank import StoreMonth, parse_store_month
from inference.taxonomy import LABELS, STORE_CODES, TICKET_CODES
from inference.tickets import Ticket, parse_ticket

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GoldMessage:
    message: Message
    labels: tuple[str, ...]
    source: str

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def context(self) -> str | None:
        return self.message.context

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.context is not None:
            out["context"] = self.context
        out["labels"] = list(self.labels)
        out["source"] = self.source
        return out


def _names(value: Any, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A list of distinct names from `allowed`, returned in the contract's order."""
    if not isinstance(value, list):
        raise RecordError("must be a list (use [] for none)", field=field)
    for name in value:
        if name not in allowed:
            raise RecordError(f"unknown name {name!r}; allowed: {', '.join(allowed)}", field=field)
    if len(set(value)) != len(value):
        raise RecordError("lists a name twice", field=field)
    return tuple(n for n in allowed if n in value)


def _source(obj: dict[str, Any]) -> str:
    src = obj.get("source")
    if not isinstance(src, str) or not src.strip():
        raise RecordError("missing or empty", field="source")
    return src


def parse_gold_message(obj: Any, *, max_chars: int) -> GoldMessage:
    msg = parse_message(obj, max_chars=max_chars)
    try:
        labels = _names(obj.get("labels"), "labels", LABELS)
        return GoldMessage(message=msg, labels=labels, source=_source(obj))
    except RecordError as err:
        raise err.located(record_id=msg.id) from None


def parse_gold_ticket(obj: Any) -> Ticket:
    ticket = parse_ticket(obj)
    try:
        _names(obj.get("expected_codes"), "expected_codes", TICKET_CODES)
        _source(obj)
        for ev in ticket.events:
            if "gold_labels" not in ev.extra:
                continue
            if ev.actor != "merchant" or ev.text is None:
                raise RecordError("gold_labels belong only on merchant events with a text",
                                  field=f"events[{ev.index}].gold_labels")
            _names(ev.extra["gold_labels"], f"events[{ev.index}].gold_labels", LABELS)
    except RecordError as err:
        raise err.located(record_id=ticket.id) from None
    return ticket


def parse_gold_store_month(obj: Any) -> StoreMonth:
    row = parse_store_month(obj)
    try:
        _names(obj.get("expected_codes"), "expected_codes", STORE_CODES)
    except RecordError as err:
        raise err.located(record_id=row.id) from None
    return row


def load_records(path: Path, parse: Callable[[Any], T]) -> tuple[list[tuple[int, T]], list[RecordError]]:
    """Parse every line of a gold file into (line, record); bad lines come back as located errors."""
    good: list[tuple[int, T]] = []
    bad: list[RecordError] = []
    for line, obj in read_jsonl(path):
        if isinstance(obj, RecordError):
            bad.append(obj)
            continue
        try:
            good.append((line, parse(obj)))
        except RecordError as err:
            bad.append(err.located(line=line, source=str(path)))
    return good, bad
