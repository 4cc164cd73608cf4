"""Per-label decision thresholds, chosen on the dev split and stored with the model.

`best_f1` picks the threshold with the best F1 on dev; `target_precision`
picks the lowest threshold whose dev precision reaches the target (most
recall at that precision), falling back to best F1 when no threshold does.
Thresholds are clipped to [floor, ceiling] so that a tiny dev split cannot
produce a degenerate 0.0 or 1.0.
"""

from __future__ import annotations

import numpy as np

from inference.metrics import prf
from training.config import ThresholdConfig


def _candidates(scores: np.ndarray, cfg: ThresholdConfig) -> np.ndarray:
    grid = np.unique(np.concatenate([np.round(scores, 4), np.linspace(cfg.floor, cfg.ceiling, 91)]))
    return grid[(grid >= cfg.floor) & (grid <= cfg.ceiling)]


def choose_threshold(y: np.ndarray, scores: np.ndarray, cfg: ThresholdConfig, *, target: float | None) -> float:
    best_t, best_f1 = 0.5, -1.0
    hits = []
    for t in _candidates(scores, cfg):
        m = prf(y, scores >= t)
        if m["f1"] > best_f1:
            best_t, best_f1 = float(t), m["f1"]
        if target is not None and m["tp"] and m["precision"] >= target:
            hits.append(float(t))
    return min(hits) if hits else best_t


def choose_thresholds(y: np.ndarray, scores: np.ndarray, labels: list[str] | tuple[str, ...],
                      cfg: ThresholdConfig) -> dict[str, float]:
    """One threshold per label column."""
    out = {}
    for j, label in enumerate(labels):
        target = cfg.target_precision.get(label) if cfg.strategy == "target_precision" else None
        out[label] = round(choose_threshold(y[:, j], scores[:, j], cfg, target=target), 4)
    return out


def apply(scores: np.ndarray, thresholds: dict[str, float], labels) -> np.ndarray:
    return (scores >= np.array([thresholds[label] for label in labels])).astype(np.int8)
