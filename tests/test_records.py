import copy

import pytest

from inference.errors import RecordError
from inference.jsonl import parse_line
from inference.limits import MAX_NESTING, MAX_TEXT_CHARS
from inference.records import parse_message
from inference.tickets import parse_ticket
from tests.conftest import TICKET


def test_message_carries_extra_fields_and_drops_blank_context() -> None:
    msg = parse_message({"id": 7, "text": "好的", "context": "  ", "shop": "s1"})
    assert msg.id == "7" and msg.context is None and msg.extra == {"shop": "s1"}


@pytest.mark.parametrize("obj, field, fragment", [
    ({"text": "x"}, "id", "missing"),
    ({"id": "a", "text": "   "}, "text", "empty"),
    ({"id": "a", "text": 5}, "text", "must be a string"),
    ({"id": "a", "text": "x" * (MAX_TEXT_CHARS + 1)}, "text", "over the limit"),
    ({"id": "a", "text": "ok", "context": ["x"]}, "context", "must be a string"),
    ({"id": "a", "text": "o\u0000k"}, "text", "NUL"),
    (["not", "an", "object"], "record", "JSON object"),
])
def test_message_errors_name_field(obj, field, fragment) -> None:
    with pytest.raises(RecordError) as info:
        parse_message(obj)
    assert info.value.field == field and fragment in info.value.error


@pytest.mark.parametrize("raw, fragment", [
    (b'{"id": 1, "text": ', "bad JSON"),
    (b'{"id": "\xff"}', "invalid UTF-8"),
    (b'{"id": "a\x00"}', "NUL"),
    (b"[" * (MAX_NESTING + 2) + b"]" * (MAX_NESTING + 2), "nested deeper"),
])
def test_line_errors_name_the_line(raw, fragment) -> None:
    with pytest.raises(RecordError) as info:
        parse_line(raw, 42)
    assert info.value.line == 42 and fragment in info.value.error


def test_ticket_events_are_sorted_by_time() -> None:
    raw = copy.deepcopy(TICKET)
    raw["events"].reverse()
    ticket = parse_ticket(raw)
    assert [e.kind for e in ticket.events] == ["message", "reject"]
    assert [e.index for e in ticket.events] == [1, 0]       # evidence keeps input positions


@pytest.mark.parametrize("mutate, field", [
    (lambda t: t["events"][1].update(kind="shout"), "events[1].kind"),
    (lambda t: t["events"][0].update(at="yesterday"), "events[0].at"),
    (lambda t: t["events"][0].update(at="2026-03-01T10:00:00"), "events[0].at"),
    (lambda t: t["events"][0].update(actor="robot"), "events[0].actor"),
    (lambda t: t["events"].append({"at": "2026-03-02T10:00:00+08:00", "actor": "merchant", "kind": "refund"}),
     "events[2].changes"),
    (lambda t: t["events"].append({"at": "2026-03-02T10:00:00+08:00", "actor": "merchant", "kind": "modify",
                                   "changes": {"colour": {"from": "a", "to": "b"}}}), "events[2].changes.colour"),
    (lambda t: t["request"].update(type="swap"), "request.type"),
    (lambda t: t["request"].update(refund_amount=-1), "request.refund_amount"),
    (lambda t: t.update(product={"declared_size_cm": [1, 2]}), "product.declared_size_cm"),
    (lambda t: t.update(events=[]), "events"),
])
def test_ticket_errors_name_the_path(mutate, field) -> None:
    raw = copy.deepcopy(TICKET)
    mutate(raw)
    with pytest.raises(RecordError) as info:
        parse_ticket(raw)
    assert info.value.field == field and info.value.record_id == "t1"


def test_blank_address_is_a_finding_not_a_bad_record() -> None:
    raw = copy.deepcopy(TICKET)
    raw["shop"] = {"return_address": "", "phone": None}
    ticket = parse_ticket(raw)
    assert ticket.shop["return_address"] == "" and ticket.shop["phone"] == ""
