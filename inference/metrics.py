"""Per-label precision, recall and F1: the one implementation every report uses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def prf(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float | int]:
    """Binary P/R/F1 with support; an empty denominator gives 0.0, not NaN."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "support": int(y_true.sum()), "tp": tp, "fp": fp, "fn": fn}


def per_label(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, dict]:
    """P/R/F1 for each column, plus `macro` (mean F1 over labels) and `micro`."""
    out = {label: prf(y_true[:, j], y_pred[:, j]) for j, label in enumerate(labels)}
    micro = prf(np.asarray(y_true).ravel(), np.asarray(y_pred).ravel())
    out["macro"] = {"f1": float(np.mean([out[label]["f1"] for label in labels])),
                    "precision": float(np.mean([out[label]["precision"] for label in labels])),
                    "recall": float(np.mean([out[label]["recall"] for label in labels]))}
    out["micro"] = {k: micro[k] for k in ("precision", "recall", "f1")}
    return out


def label_matrix(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """Multi-hot matrix (n x len(labels)) from lists of label names."""
    index = {label: j for j, label in enumerate(labels)}
    out = np.zeros((len(label_lists), len(labels)), dtype=np.int8)
    for i, names in enumerate(label_lists):
        for name in names:
            out[i, index[name]] = 1
    return out
