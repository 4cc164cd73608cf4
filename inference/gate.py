"""The rule gate: ticket events plus text scores -> violation codes with their evidence.

Each rule of taxonomy section 3 is a function from the time-sorted events (and
the labels of every merchant text) to evidence; a ticket's decision is the
union. The semantics of section 4 are spelled out where they bite: contact
is a merchant `message`; a request is resolved once refunds cover the asked
amount; a negotiate_reject claiming an agreement the transcript lacks is R4,
not unilateral_change; an urge before a deadline is no timeout; a declined
offer is no commitment. Hours, reactions and measures come from the gate
config, not from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from inference.contact import address_problem, phone_problem
from inference.gate_config import GateConfig
from inference.taxonomy import TICKET_CODES
from inference.terms import Terms, is_offer, mentions_extra_cost, names_size_or_weight, promise_of, stance, terms_of
from inference.tickets import Event, Ticket


@dataclass(frozen=True)
class TextLabels:
    """What the model (or a gold annotation) says of one merchant text."""

    scores: dict[str, float]
    thresholds: dict[str, float]

    def has(self, label: str) -> bool:
        return self.scores.get(label, 0.0) >= self.thresholds.get(label, 1.0)


@dataclass
class Evidence:
    code: str
    event_index: int | None
    text: str | None
    rule: str
    label: str | None = None
    score: float | None = None
    threshold: float | None = None


@dataclass
class Decision:
    id: str
    violation: bool
    codes: list[str]
    evidence: list[Evidence]
    measures: list[dict[str, Any]]
    checks: list[str]
    model: str | None
    gate: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = {"id": self.id, "violation": self.violation, "codes": self.codes,
               "evidence": [asdict(e) for e in self.evidence], "measures": self.measures,
               "checks": self.checks, "model": self.model, "gate": self.gate}
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out


def merchant_texts(ticket: Ticket) -> list[tuple[Event, str | None]]:
    """Every merchant text to score, with the consumer's preceding message as its context."""
    out, context = [], None
    for ev in ticket.events:
        if ev.actor == "consumer" and ev.text:
            context = ev.text
        elif ev.actor == "merchant" and ev.text:
            out.append((ev, context))
    return out


class _View:
    """One ticket's events with the lookups every rule needs."""

    def __init__(self, ticket: Ticket, labels: dict[int, TextLabels], cfg: GateConfig) -> None:
        self.t, self.labels, self.cfg = ticket, labels, cfg
        self.events = ticket.events
        self.end = self.events[-1].at

    def text_ev(self, ev: Event, code: str, rule: str, label: str | None = None) -> Evidence:
        tl = self.labels.get(ev.index)
        score = tl.scores.get(label) if tl and label else None
        thr = tl.thresholds.get(label) if tl and label else None
        return Evidence(code, ev.index, ev.text, rule, label, score, thr)

    def labelled(self, ev: Event, label: str) -> bool:
        tl = self.labels.get(ev.index)
        return bool(ev.actor == "merchant" and ev.text and tl and tl.has(label))

    def reaction_after(self, at, kinds: Sequence[str]) -> Event | None:
        """The consumer's first event of one of `kinds` strictly after time `at`."""
        return next((e for e in self.events if e.actor == "consumer" and e.kind in kinds and e.at > at), None)

    def before(self, ev: Event) -> list[Event]:
        return [e for e in self.events if (e.at, e.index) < (ev.at, ev.index) and e is not ev]

    def refunded_by(self, at) -> float:
        return sum(e.changes.get("refund_amount", 0.0) for e in self.events if e.kind == "refund" and e.at <= at)

    def resolved_at(self, at) -> bool:
        asked = self.t.request.get("refund_amount")
        refunds = [e for e in self.events if e.kind == "refund" and e.at <= at]
        if asked is None:
            return bool(refunds)
        return bool(refunds) and self.refunded_by(at) + 1e-6 >= asked

    def agreement_before(self, ev: Event) -> Terms | None:
        """Terms of the consumer's last standing agreement before `ev`, or None.

        A refusal after an agreement withdraws it. An agreement naming no terms
        takes those of the merchant's last text before it (what was offered)."""
        agreed, offer = None, Terms()
        for e in self.before(ev):
            if e.actor == "merchant" and e.text:
                t = terms_of(e.text)
                offer = t if not t.empty else offer
            elif e.actor == "consumer" and e.text:
                s = stance(e.text)
                if s == "refuse":
                    agreed = None
                elif s == "agree":
                    own = terms_of(e.text)
                    agreed = own if not own.empty else offer
        return agreed


# ------------------------------------------------------------------ rules

def r1_no_contact(v: _View) -> list[Evidence]:
    out = []
    for ev in v.events:
        if ev.actor != "merchant" or ev.kind not in ("reject", "close"):
            continue
        contacted = any(e.actor == "merchant" and e.kind == "message" for e in v.before(ev))
        reaction = v.reaction_after(ev.at, v.cfg.reactions.R1)
        if not contacted and reaction:
            out.append(Evidence("R1_no_contact_reject", ev.index, ev.text,
                                f"{ev.kind} with no merchant message before it; consumer {reaction.kind} "
                                f"at event {reaction.index}"))
    return out


def r2_unilateral(v: _View) -> list[Evidence]:
    out = []
    for ev in v.events:
        if ev.actor != "merchant":
            continue
        if ev.kind == "modify" and ev.changes:
            agreed = v.agreement_before(ev)
            missing = [f for f, d in ev.changes.items() if agreed is None or not agreed.covers(f, d["to"])]
            unagreed = bool(missing)
            rule = f"modify of {', '.join(missing or ev.changes)} without the consumer's agreement"
            evidence = Evidence("R2_unilateral_change", ev.index, ev.text, rule)
        elif ev.kind != "negotiate_reject" and v.labelled(ev, "unilateral_change"):
            agreed = v.agreement_before(ev)
            unagreed = agreed is None or bool(terms_of(ev.text or "").conflicts(agreed))
            evidence = v.text_ev(ev, "R2_unilateral_change", "text changes the request without agreement",
                                 "unilateral_change")
        else:
            continue
        reaction = v.reaction_after(ev.at, v.cfg.reactions.R2)
        if unagreed and reaction:
            evidence.rule += f"; consumer {reaction.kind} at event {reaction.index}"
            out.append(evidence)
    return out


def _reason_event(v: _View, ev: Event) -> Event | None:
    if ev.text:
        return ev
    return next((e for e in reversed(v.before(ev)) if e.actor == "merchant" and e.kind == "message" and e.text),
                None)


def r3_baseless(v: _View) -> list[Evidence]:
    out = []
    for ev in v.events:
        if ev.actor != "merchant" or ev.kind not in ("reject", "close") or v.resolved_at(ev.at):
            continue
        reason = _reason_event(v, ev)
        if reason is None:
            continue
        for label in v.cfg.baseless_labels:
            if v.labelled(reason, label):
                which = "its reason" if reason is ev else f"the last merchant text (event {reason.index})"
                e = v.text_ev(reason, "R3_baseless_reject",
                              f"{ev.kind} (event {ev.index}) with {which} labelled {label}; request unresolved",
                              label)
                out.append(e)
                break
    return out


def r4_negotiation(v: _View) -> list[Evidence]:
    out = []
    for ev in v.events:
        if ev.actor != "merchant" or ev.kind != "negotiate_reject":
            continue
        agreed = v.agreement_before(ev)
        terms = terms_of(ev.text or "")
        if agreed is None:
            why = "negotiate_reject with no prior consumer agreement in the transcript"
        elif terms.conflicts(agreed):
            why = f"negotiate_reject terms differ from the agreement on {', '.join(terms.conflicts(agreed))}"
        else:
            continue
        reaction = v.reaction_after(ev.at, v.cfg.reactions.R4)
        if reaction:
            out.append(Evidence("R4_negotiation_breach", ev.index, ev.text,
                                f"{why}; consumer {reaction.kind} at event {reaction.index}"))
    return out


def _late(v: _View, start, hours: float, actions: Sequence[str], clock: str) -> Evidence | None:
    deadline = start + timedelta(hours=hours)
    acted = next((e for e in v.events if e.actor in ("merchant", "platform") and e.kind in actions
                  and e.at > start and (e.actor == "merchant" or e.kind == "refund")), None)
    if acted is not None and acted.at <= deadline:
        return None
    reaction = v.reaction_after(deadline, v.cfg.reactions.T1)
    if reaction is None:
        return None
    when = "no action" if acted is None else f"first action at event {acted.index}"
    return Evidence("T1_timeout", acted.index if acted else None, None,
                    f"{clock}: {when} past the {hours:g} h deadline; consumer {reaction.kind} at event "
                    f"{reaction.index} after it")


def t1_timeout(v: _View) -> list[Evidence]:
    out = []
    first = next((e for e in v.events if e.actor == "consumer"), None)
    if first is not None:
        hit = _late(v, first.at, v.cfg.sla.first_action_hours, v.cfg.actions, "request to first action")
        out += [hit] if hit else []
    for ret in (e for e in v.events if e.kind == "return_received"):
        hit = _late(v, ret.at, v.cfg.sla.after_return_hours, ["refund", "approve", "reject", "close",
                                                               "negotiate_reject"], "return received to refund")
        out += [hit] if hit else []
    for ev, promise in _promises(v):
        if promise.deadline is None or promise.kind == "other" or _kept_by(v, ev, promise, promise.deadline):
            continue
        reaction = v.reaction_after(promise.deadline, v.cfg.reactions.T1)
        if reaction:
            out.append(v.text_ev(ev, "T1_timeout", f"promised time ({promise.deadline_text}) passed without the "
                                 f"promised {promise.kind}; consumer {reaction.kind} at event {reaction.index}",
                                 "commitment"))
    return out


def _promises(v: _View):
    """Commitments still standing: offers the consumer declined are dropped."""
    for ev in v.events:
        if not v.labelled(ev, "commitment"):
            continue
        if is_offer(ev.text or ""):
            reply = next((e for e in v.events if e.actor == "consumer" and e.text and e.at > ev.at), None)
            if reply is not None and stance(reply.text) == "refuse":
                continue
        yield ev, promise_of(ev.text or "", ev.at)


def _kept_by(v: _View, ev: Event, promise, by) -> bool:
    if promise.kind == "pickup":
        return any(e.kind == "pickup" and ev.at <= e.at <= by for e in v.events)
    refunds = [e for e in v.events if e.kind == "refund" and ev.at <= e.at <= by]
    if promise.amount is None:
        return bool(refunds)
    return sum(e.changes.get("refund_amount", 0.0) for e in refunds) + 1e-6 >= promise.amount


def p1_broken(v: _View) -> list[Evidence]:
    out = []
    for ev, promise in _promises(v):
        if promise.kind == "other":
            continue
        by = promise.deadline or v.end
        if not _kept_by(v, ev, promise, by):
            late = _kept_by(v, ev, promise, v.end)
            what = f"{promise.kind}" + (f" of {promise.amount:g}" if promise.amount else "")
            when = promise.deadline_text or "the end of the ticket"
            why = "kept only after" if late else "not kept by"
            out.append(v.text_ev(ev, "P1_broken_commitment", f"promised {what} {why} {when}", "commitment"))
    return out


def p2_extra_charge(v: _View) -> list[Evidence]:
    return [v.text_ev(ev, "P2_extra_charge", "merchant text puts a cost on the consumer", "extra_charge")
            for ev in v.events if v.labelled(ev, "extra_charge")]


def p3_contact(v: _View) -> list[Evidence]:
    shop = v.t.shop
    problems = [address_problem(shop.get("return_address", ""), cross_border=shop.get("cross_border", False)),
                phone_problem(shop.get("phone", ""), v.cfg.contact.placeholder_phones)]
    return [Evidence("P3_invalid_contact", None, None, p) for p in problems if p]


def _oversize(v: _View, ev: Event) -> str | None:
    prod, tol = v.t.product or {}, v.cfg.p4.tolerance
    w, mw = prod.get("declared_weight_kg"), ev.changes.get("measured_weight_kg")
    if w and mw and mw > w * (1 + tol):
        return f"measured {mw:g} kg vs declared {w:g} kg"
    s, ms = prod.get("declared_size_cm"), ev.changes.get("measured_size_cm")
    if s and ms:
        for a, b in zip(sorted(s), sorted(ms)):
            if b > a * (1 + tol):
                return f"measured sides {ms} vs declared {s}"
        if ms[0] * ms[1] * ms[2] > s[0] * s[1] * s[2] * (1 + tol):
            return f"measured volume of {ms} vs declared {s}"
    return None


def p4_specs(v: _View) -> list[Evidence]:
    out = []
    for ev in v.events:
        if ev.kind not in ("pickup", "pickup_failed"):
            continue
        over = _oversize(v, ev)
        if over is None:
            continue
        cost = ev if ev.kind == "pickup_failed" and names_size_or_weight(ev.text) else next(
            (e for e in v.events if e.at >= ev.at and e.index != ev.index and mentions_extra_cost(e.text)), None)
        if cost is not None:
            out.append(Evidence("P4_wrong_product_specs", ev.index, cost.text,
                                f"{over} (over {v.cfg.p4.tolerance:.0%}); cost to the consumer at event {cost.index}"))
    return out


RULES: dict[str, Callable[[_View], list[Evidence]]] = {
    "R1_no_contact_reject": r1_no_contact, "R2_unilateral_change": r2_unilateral,
    "R3_baseless_reject": r3_baseless, "R4_negotiation_breach": r4_negotiation, "T1_timeout": t1_timeout,
    "P1_broken_commitment": p1_broken, "P2_extra_charge": p2_extra_charge, "P3_invalid_contact": p3_contact,
    "P4_wrong_product_specs": p4_specs,
}
assert tuple(RULES) == TICKET_CODES


def measures_for(code: str, cfg: GateConfig) -> list[str]:
    return getattr(cfg.measures, code[0])


def decide(ticket: Ticket, labels: dict[int, TextLabels], cfg: GateConfig, *, model: str | None = None) -> Decision:
    """Run every rule; `labels` maps a merchant event's input index to its text labels."""
    view = _View(ticket, labels, cfg)
    evidence = [e for rule in RULES.values() for e in rule(view)]
    codes = [c for c in TICKET_CODES if any(e.code == c for e in evidence)]
    return Decision(id=ticket.id, violation=bool(codes), codes=codes, evidence=evidence,
                    measures=[{"code": c, "measures": measures_for(c, cfg)} for c in codes],
                    checks=list(RULES), model=model, gate=cfg.version,
                    extra={"shop_id": ticket.shop.get("id"), **ticket.extra})
