"""The labeling-function report: coverage, overlap, conflict, precision, recall.

Computed on the train and dev splits (the test split is for final reports
only); the majority vote is also scored per label on dev and on the
out-of-style set, which is how far plain rules carry to unseen wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inference.metrics import label_matrix, per_label
from inference.taxonomy import LABELS
from labeling.functions import FUNCTIONS, POS, LabelingFunction
from labeling.gold import GoldMessage
from labeling.vote import majority_vote, vote_matrix


def function_stats(votes: np.ndarray, gold: np.ndarray,
                   functions: Sequence[LabelingFunction] = FUNCTIONS) -> list[dict[str, Any]]:
    """One row per function; `gold` is the multi-hot label matrix of the same texts."""
    n = max(votes.shape[0], 1)
    rows = []
    for i, lf in enumerate(functions):
        j = LABELS.index(lf.label)
        fired = votes[:, i] != 0
        same = [k for k, other in enumerate(functions) if other.label == lf.label and k != i]
        others = votes[:, same] if same else np.zeros((votes.shape[0], 0), dtype=np.int8)
        overlap = fired & (others != 0).any(axis=1)
        conflict = fired & (others == -lf.polarity).any(axis=1)
        truth = gold[:, j].astype(bool) if lf.polarity == POS else ~gold[:, j].astype(bool)
        hits = int((fired & truth).sum())
        rows.append({
            "name": lf.name, "label": lf.label, "polarity": "POS" if lf.polarity == POS else "NEG",
            "signal": lf.signal, "fired": int(fired.sum()),
            "coverage": fired.sum() / n, "overlap": overlap.sum() / n, "conflict": conflict.sum() / n,
            "precision": hits / fired.sum() if fired.any() else 0.0,
            "recall": hits / truth.sum() if truth.any() else 0.0,
        })
    return rows


def build_report(dev_pool: Sequence[GoldMessage], dev: Sequence[GoldMessage],
                 outofstyle: Sequence[GoldMessage], *, progress: bool = False) -> dict[str, Any]:
    """`dev_pool` is train+dev (function statistics); `dev` and `outofstyle` score the vote."""
    def votes_of(recs: Sequence[GoldMessage]) -> np.ndarray:
        return vote_matrix(((r.text, r.context) for r in recs), progress=progress, total=len(recs))

    def gold_of(recs: Sequence[GoldMessage]) -> np.ndarray:
        return label_matrix([r.labels for r in recs], LABELS)

    pool_votes = votes_of(dev_pool)
    report: dict[str, Any] = {
        "functions": function_stats(pool_votes, gold_of(dev_pool)),
        "pool_size": len(dev_pool),
        "any_coverage": float((pool_votes != 0).any(axis=1).mean()) if len(dev_pool) else 0.0,
        "vote": {},
    }
    for name, recs in (("dev", dev), ("outofstyle", outofstyle)):
        if recs:
            report["vote"][name] = per_label(gold_of(recs), majority_vote(votes_of(recs)), LABELS)
            report["vote"][name]["size"] = len(recs)
    return report


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Labeling-function report",
        "",
        f"Function statistics on the train+dev gold messages ({report['pool_size']} texts; the test "
        f"split is reserved for final reports). Any function fires on {_pct(report['any_coverage'])} "
        "of them. Coverage: share of texts the function votes on; overlap: share where another "
        "function of the same label also votes; conflict: share where one votes the opposite way. "
        "Precision and recall are against the gold label (for NEG functions: against its absence).",
        "",
        "| function | label | vote | coverage | overlap | conflict | precision | recall |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["functions"]:
        lines.append(f"| `{r['name']}` | {r['label']} | {r['polarity']} | {_pct(r['coverage'])} | "
                     f"{_pct(r['overlap'])} | {_pct(r['conflict'])} | {r['precision']:.2f} | {r['recall']:.2f} |")
    for name, res in report["vote"].items():
        lines += ["", f"## Majority vote on {name} ({res['size']} texts)", "",
                  "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for label in LABELS:
            m = res[label]
            lines.append(f"| {label} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {m['support']} |")
        lines.append(f"| **macro** | {res['macro']['precision']:.2f} | {res['macro']['recall']:.2f} | "
                     f"**{res['macro']['f1']:.2f}** | |")
    return "\n".join(lines) + "\n"
