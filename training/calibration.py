"""Calibration: is a score of 0.8 right 80% of the time? Reliability bins and ECE."""

from __future__ import annotations

import numpy as np


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict[str, list[float]]:
    """Per equal-width bin: mean predicted score, observed positive rate, count."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    conf, acc, count = [], [], []
    for b in range(bins):
        sel = which == b
        count.append(int(sel.sum()))
        conf.append(float(p[sel].mean()) if sel.any() else float((edges[b] + edges[b + 1]) / 2))
        acc.append(float(y[sel].mean()) if sel.any() else 0.0)
    return {"confidence": conf, "observed": acc, "count": count}


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: count-weighted |observed - confidence| over bins."""
    r = reliability(y, p, bins)
    n = max(sum(r["count"]), 1)
    return float(sum(c * abs(o - f) for c, o, f in zip(r["count"], r["observed"], r["confidence"])) / n)
