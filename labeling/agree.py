"""Agreement between two annotators: Cohen's kappa per label and the texts they disagree on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inference.taxonomy import LABELS


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """(p_o - p_e) / (1 - p_e) for two binary raters; 1.0 when both are constant and equal."""
    n = len(a)
    if n == 0:
        return float("nan")
    p_o = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    p_e = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if p_e == 1 else (p_o - p_e) / (1 - p_e)


def agreement(first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Records keyed by id, each with `labels`; compares the ids both annotated."""
    ids = sorted(set(first) & set(second))
    per_label = {}
    for label in LABELS:
        a = [label in first[i]["labels"] for i in ids]
        b = [label in second[i]["labels"] for i in ids]
        per_label[label] = {"kappa": cohen_kappa(a, b), "agree": sum(x == y for x, y in zip(a, b)),
                            "first_only": sum(x and not y for x, y in zip(a, b)),
                            "second_only": sum(y and not x for x, y in zip(a, b))}
    disagreements = [{"id": i, "text": first[i].get("text") or second[i].get("text"),
                      "first": first[i]["labels"], "second": second[i]["labels"]}
                     for i in ids if set(first[i]["labels"]) != set(second[i]["labels"])]
    return {"common": len(ids), "only_first": len(set(first) - set(second)),
            "only_second": len(set(second) - set(first)), "per_label": per_label, "disagreements": disagreements}
