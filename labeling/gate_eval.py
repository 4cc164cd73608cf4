"""How well the rule gate reproduces the gold tickets' expected codes, per code.

Two runs over the same tickets: with the annotated `gold_labels` of every
merchant text (the gate's own rules alone) and with a model's labels (the
whole system, as operations runs it). The gap between them is what the
model's mistakes cost at the ticket level.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inference.batch import labels_per_ticket, ticket_texts
from inference.gate import TextLabels, decide, merchant_texts
from inference.gate_config import GateConfig
from inference.metrics import label_matrix, per_label
from inference.taxonomy import LABELS, TICKET_CODES
from inference.tickets import Ticket
from labeling.gold import load_records, parse_gold_ticket


def gold_tickets(path: Path) -> list[Ticket]:
    rows, bad = load_records(path, parse_gold_ticket)
    if bad:
        raise ValueError(f"{path}: {bad[0]}")
    return [t for _, t in rows]


def _gold_labels(ticket: Ticket) -> dict[int, TextLabels]:
    return {ev.index: TextLabels({lab: 1.0 for lab in ev.extra.get("gold_labels", [])}, {lab: 0.5 for lab in LABELS})
            for ev, _ in merchant_texts(ticket)}


def _model_labels(tickets: Sequence[Ticket], scorer, thresholds: dict[str, float]) -> list[dict[int, TextLabels]]:
    """Each merchant text's labels from one batched scorer call, as `aftersales evaluate` makes them."""
    texts = ticket_texts(tickets)
    probs = scorer.score([ev.text for _, ev, _ in texts], [ctx for _, _, ctx in texts]).probs
    return labels_per_ticket(len(tickets), texts, probs, thresholds)


def evaluate_gate(tickets: Sequence[Ticket], cfg: GateConfig, *, scorer=None) -> dict[str, Any]:
    """Per-code P/R/F1 and exact-match rate, with gold labels and (given a scorer) model labels."""
    expected = label_matrix([t.extra["expected_codes"] for t in tickets], TICKET_CODES)
    runs = {"gold_labels": [_gold_labels(t) for t in tickets]}
    if scorer is not None:
        runs["model_labels"] = _model_labels(tickets, scorer, scorer.info.thresholds)
    out: dict[str, Any] = {"tickets": len(tickets)}
    for name, labels in runs.items():
        decisions = [decide(t, lab, cfg) for t, lab in zip(tickets, labels)]
        got = label_matrix([d.codes for d in decisions], TICKET_CODES)
        exact = (got == expected).all(axis=1)
        out[name] = {"per_code": per_label(expected, got, TICKET_CODES), "exact_match": float(exact.mean()),
                     "mismatches": [t.id for t, ok in zip(tickets, exact) if not ok]}
    return out


def render(result: dict[str, Any], title: str) -> str:
    runs = [k for k in ("gold_labels", "model_labels") if k in result]
    lines = [f"### {title} ({result['tickets']} tickets)", "",
             "| code | " + " | ".join(f"{r}: P / R" for r in runs) + " |", "|---|" + "---:|" * len(runs)]
    for code in TICKET_CODES:
        cells = [f"{result[r]['per_code'][code]['precision']:.2f} / {result[r]['per_code'][code]['recall']:.2f}"
                 for r in runs]
        lines.append(f"| `{code}` | " + " | ".join(cells) + " |")
    lines.append("| exact match (all codes right) | " + " | ".join(
        f"{100 * result[r]['exact_match']:.1f}%" for r in runs) + " |")
    return "\n".join(lines) + "\n"

