"""Which texts to label next: the ones the model is least sure about, the ones where it and
the labeling functions disagree, never two near-duplicates, each with the reason it was picked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inference.taxonomy import LABELS
from labeling.splits import split_key
from labeling.vote import labels_of, majority_vote, vote_matrix


@dataclass
class Candidate:
    id: str
    text: str
    context: str | None
    scores: dict[str, float]
    model_labels: list[str]
    rule_labels: list[str] | None = None

    def margin(self, thresholds: dict[str, float]) -> tuple[float, str]:
        """Distance of the score closest to its threshold, and that label."""
        return min((abs(self.scores[label] - thresholds[label]), label) for label in LABELS)


def _bigrams(text: str) -> set[str]:
    core = split_key(text)
    return {core[i:i + 2] for i in range(max(len(core) - 1, 1))}


def _near(a: set[str], b: set[str], limit: float) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= limit


def select(cands: Sequence[Candidate], n: int, thresholds: dict[str, float], *, uncertainty_share: float = 0.5,
           near_duplicate: float = 0.7) -> list[dict[str, Any]]:
    """Pick up to n: disagreements first (up to their share), then by uncertainty, skipping near-duplicates."""
    votes = majority_vote(vote_matrix([(c.text, c.context) for c in cands]))
    for c, row in zip(cands, votes):
        c.rule_labels = labels_of(row)
    by_margin = sorted(cands, key=lambda c: c.margin(thresholds)[0])
    disagree = [c for c in by_margin if set(c.rule_labels or []) != set(c.model_labels)]
    picked: list[dict[str, Any]] = []
    seen_keys: set[str] = set()
    grams: list[set[str]] = []

    def take(c: Candidate, reason: str) -> bool:
        key, g = split_key(c.text), _bigrams(c.text)
        if key in seen_keys or any(_near(g, other, near_duplicate) for other in grams):
            return False
        seen_keys.add(key)
        grams.append(g)
        picked.append({"id": c.id, "text": c.text, **({"context": c.context} if c.context else {}),
                       "scores": c.scores, "model_labels": c.model_labels, "rule_labels": c.rule_labels,
                       "reason": reason})
        return True

    quota = n - int(round(n * uncertainty_share))
    for c in disagree:
        if len(picked) >= quota:
            break
        take(c, f"model {c.model_labels or '[]'} and labeling functions {c.rule_labels or '[]'} disagree")
    taken = {p["id"] for p in picked}
    for c in by_margin:
        if len(picked) >= n:
            break
        if c.id in taken:
            continue
        gap, label = c.margin(thresholds)
        take(c, f"uncertain: {label} scored {c.scores[label]:.3f}, threshold {thresholds[label]:.3f}")
    return picked
