"""Out-of-fold scores for the label audit: every gold text scored by a model that never saw it.

K folds over the train and dev splits (never test), grouped by the
near-duplicate key so a text's twin is never in the model that scores it.
The model is the TF-IDF + logistic regression baseline: K encoder
fine-tunings would take hours on a CPU, and for finding label errors what
matters is that each score comes from a model blind to that text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from inference.taxonomy import LABELS
from labeling.gold import GoldMessage
from labeling.splits import split_key
from training.baselines import TfidfLogReg


def fold_of(text: str, folds: int, seed: int) -> int:
    digest = hashlib.sha256(f"oof:{seed}\x1f{split_key(text)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % folds


def out_of_fold(records: Sequence[GoldMessage], *, folds: int = 5, seed: int = 13) -> list[dict[str, Any]]:
    assignment = [fold_of(r.text, folds, seed) for r in records]
    scores: list[dict[str, float] | None] = [None] * len(records)
    for k in range(folds):
        train = [r for r, f in zip(records, assignment) if f != k]
        held = [i for i, f in enumerate(assignment) if f == k]
        if not held or not train:
            continue
        probs = TfidfLogReg(seed=seed).fit(train).scores([records[i] for i in held])
        for i, p in zip(held, probs):
            scores[i] = {label: round(float(x), 6) for label, x in zip(LABELS, p)}
    return [{"id": r.id, "fold": f, "scores": s, "labels": list(r.labels)}
            for r, f, s in zip(records, assignment, scores) if s is not None]
