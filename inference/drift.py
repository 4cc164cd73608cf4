"""Drift: is a new batch still like the data the model was trained and tuned on?

The population stability index (PSI) compares a batch's distribution with a
reference, bin by bin: sum over bins of (p - q) * ln(p / q). Per label on the
model's scores, and on text length. The reference (`reference.json` in the
model directory) is the dev split scored by the shipped graph at export. By
the usual reading, PSI under 0.1 is stable, 0.1-0.25 worth watching, and
over 0.25 a shift that calls for relabeling and retraining.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

SCORE_BINS = [i / 10 for i in range(11)]
LENGTH_BINS = [0, 5, 10, 20, 40, 80, 160, 320, 10**9]
WATCH, RETRAIN = 0.1, 0.25
_EPS = 1e-4


def histogram(values: Iterable[float], bins: Sequence[float]) -> list[int]:
    counts, _ = np.histogram(np.asarray(list(values), dtype=float), bins=np.asarray(bins, dtype=float))
    return counts.astype(int).tolist()


def psi(reference: Sequence[int], current: Sequence[int]) -> float:
    q = np.asarray(reference, dtype=float)
    p = np.asarray(current, dtype=float)
    q = np.clip(q / max(q.sum(), 1), _EPS, None)
    p = np.clip(p / max(p.sum(), 1), _EPS, None)
    return float(np.sum((p - q) * np.log(p / q)))


def reference_of(scores: np.ndarray, lengths: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    return {"data": "dev split, scored by the shipped graph", "score_bins": SCORE_BINS, "length_bins": LENGTH_BINS,
            "scores": {label: histogram(scores[:, j], SCORE_BINS) for j, label in enumerate(labels)},
            "length": histogram(lengths, LENGTH_BINS), "size": int(len(lengths))}


def verdict(value: float) -> str:
    return "retrain due" if value > RETRAIN else "watch" if value > WATCH else "stable"


def drift_report(scored_rows: Iterable[dict[str, Any]], reference: dict[str, Any]) -> dict[str, Any]:
    """PSI per label and for text length between a `score` output (with `text_length` or the text) and the reference."""
    labels = list(reference["scores"])
    scores: dict[str, list[float]] = {label: [] for label in labels}
    lengths: list[int] = []
    for row in scored_rows:
        s = row["scores"] if isinstance(row["scores"], dict) else json.loads(row["scores"])
        for label in labels:
            scores[label].append(float(s[label]))
        if row.get("text") is not None:
            lengths.append(len(row["text"]))
    out = {"size": len(scores[labels[0]]) if labels else 0, "psi": {}, "verdict": {}}
    for label in labels:
        value = psi(reference["scores"][label], histogram(scores[label], reference["score_bins"]))
        out["psi"][label], out["verdict"][label] = round(value, 4), verdict(value)
    if lengths:
        value = psi(reference["length"], histogram(lengths, reference["length_bins"]))
        out["psi"]["text_length"], out["verdict"]["text_length"] = round(value, 4), verdict(value)
    worst = max(out["psi"].values(), default=0.0)
    out["retrain_due"] = worst > RETRAIN
    out["summary"] = (f"largest PSI {worst:.3f} ({max(out['psi'], key=out['psi'].get) if out['psi'] else '-'}): "
                      f"{verdict(worst)}")
    return out


def read_reference(model_dir: Path) -> dict[str, Any]:
    path = Path(model_dir) / "reference.json"
    if not path.exists():
        from inference.errors import UsageError
        raise UsageError(f"{model_dir}: no reference.json (export the model again to record one)")
    return json.loads(path.read_text())

