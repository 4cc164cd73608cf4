"""Likely label errors in the gold data, by confident disagreement with out-of-fold scores.

In the manner of cleanlab's `find_label_issues`, per label: the threshold for
"confidently positive" is the mean out-of-fold score of the texts labelled
positive, and for "confidently negative" the mean (1 - score) of those
labelled negative. A text labelled negative that scores at or above the
positive threshold is a likely missing label; one labelled positive whose
(1 - score) reaches the negative threshold a likely wrong label. Ranked by how
far past the threshold it is, most suspicious first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inference.taxonomy import LABELS


def label_issues(oof: Sequence[dict[str, Any]], records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """`oof`: rows with id, scores (out of fold) and labels; `records`: id -> gold record (for the text)."""
    if not oof:
        return []
    s = np.array([[row["scores"][label] for label in LABELS] for row in oof])
    y = np.array([[label in row["labels"] for label in LABELS] for row in oof])
    issues = []
    for j, label in enumerate(LABELS):
        pos, neg = y[:, j], ~y[:, j]
        if not pos.any() or not neg.any():
            continue
        t_pos = s[pos, j].mean()
        t_neg = (1 - s[neg, j]).mean()
        for i in np.flatnonzero(neg & (s[:, j] >= t_pos)):
            issues.append((float(s[i, j] - t_pos), i, label, "missing", t_pos))
        for i in np.flatnonzero(pos & ((1 - s[:, j]) >= t_neg)):
            issues.append((float((1 - s[i, j]) - t_neg), i, label, "wrong", t_neg))
    issues.sort(key=lambda x: -x[0])
    out = []
    for margin, i, label, kind, threshold in issues:
        row = oof[i]
        rec = records.get(row["id"], {})
        verb = "probably also" if kind == "missing" else "probably not"
        out.append({"id": row["id"], "text": rec.get("text"), "context": rec.get("context"),
                    "labels": row["labels"], "label": label, "issue": kind,
                    "score": round(float(s[i, LABELS.index(label)]), 4), "threshold": round(float(threshold), 4),
                    "margin": round(margin, 4), "suggestion": f"{verb} `{label}`"})
    return out
