"""Evaluation reports: metrics.json, card.md and PNG plots for a model and its baselines.

Everything here is computed from scores produced by the shipped graph through
the inference room's scorer, so the card describes the artifact, not the
torch model it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inference.metrics import per_label
from inference.taxonomy import LABELS
from training.calibration import ece, reliability


def confusion(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Label confusion for multi-label data: (true label or none) x (predicted label or none).

    Each text adds one count per (true, predicted) pair it has, with `none`
    standing in for an empty side, so the diagonal is agreement and
    off-diagonal cells show which label is mistaken for which."""
    k = len(LABELS)
    m = np.zeros((k + 1, k + 1), dtype=np.int64)
    for t_row, p_row in zip(y.astype(bool), pred.astype(bool)):
        trues = list(np.flatnonzero(t_row)) or [k]
        preds = list(np.flatnonzero(p_row)) or [k]
        for t in trues:
            for p in preds:
                m[t, p] += 1
    return m


def evaluate(y: np.ndarray, pred: np.ndarray, scores: np.ndarray | None) -> dict[str, Any]:
    out: dict[str, Any] = {"per_label": per_label(y, pred, LABELS), "confusion": confusion(y, pred).tolist(),
                           "size": int(len(y))}
    if scores is not None:
        out["ece"] = {label: ece(y[:, j], scores[:, j]) for j, label in enumerate(LABELS)}
    return out


def worst_errors(records, y: np.ndarray, scores: np.ndarray, thresholds: dict[str, float],
                 n: int = 20) -> list[dict[str, Any]]:
    """The n texts whose scores are furthest on the wrong side of a threshold."""
    t = np.array([thresholds[label] for label in LABELS])
    wrong = np.where(y.astype(bool), np.clip(t - scores, 0, None), np.clip(scores - t, 0, None))
    order = np.argsort(-wrong.max(axis=1))[:n]
    rows = []
    for i in order:
        if wrong[i].max() <= 0:
            break
        rec = records[i]
        rows.append({"id": rec.id, "text": rec.text, "context": rec.context,
                     "gold": [label for label, on in zip(LABELS, y[i]) if on],
                     "predicted": [label for label, s, th in zip(LABELS, scores[i], t) if s >= th],
                     "scores": {label: round(float(s), 3) for label, s in zip(LABELS, scores[i])}})
    return rows


# ---------------------------------------------------------------- plots

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_pr(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, path: Path) -> None:
    """`curves`: system name -> (y, scores); one panel per label."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    plt = _plt()
    fig, axes = plt.subplots(1, len(LABELS), figsize=(4 * len(LABELS), 3.6), sharey=True)
    for j, (ax, label) in enumerate(zip(axes, LABELS)):
        for name, (y, s) in curves.items():
            if y[:, j].sum() == 0:
                continue
            p, r, _ = precision_recall_curve(y[:, j], s[:, j])
            ax.plot(r, p, label=f"{name} (AP {average_precision_score(y[:, j], s[:, j]):.2f})")
        ax.set_title(label)
        ax.set_xlabel("recall")
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("precision")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusion(m: np.ndarray, title: str, path: Path) -> None:
    plt = _plt()
    names = [*LABELS, "none"]
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    ax.imshow(np.log1p(m), cmap="Blues")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_histograms(y: np.ndarray, s: np.ndarray, thresholds: dict[str, float], title: str, path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, len(LABELS), figsize=(4 * len(LABELS), 3.2))
    bins = np.linspace(0, 1, 26)
    for j, (ax, label) in enumerate(zip(axes, LABELS)):
        ax.hist(s[y[:, j] == 0, j], bins=bins, alpha=0.6, label="gold negative", log=True)
        ax.hist(s[y[:, j] == 1, j], bins=bins, alpha=0.6, label="gold positive", log=True)
        ax.axvline(thresholds[label], color="k", ls="--", lw=1)
        ax.set_title(label)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_reliability(y: np.ndarray, s: np.ndarray, title: str, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], color="grey", lw=1)
    for j, label in enumerate(LABELS):
        r = reliability(y[:, j], s[:, j])
        keep = [i for i, c in enumerate(r["count"]) if c]
        ax.plot([r["confidence"][i] for i in keep], [r["observed"][i] for i in keep], marker="o", ms=3,
                label=f"{label} (ECE {ece(y[:, j], s[:, j]):.3f})")
    ax.set_xlabel("mean score in bin")
    ax.set_ylabel("observed positive rate")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---------------------------------------------------------------- card

def f1_table(systems: dict[str, dict[str, Any]], sets: Sequence[str]) -> list[str]:
    """Markdown: per-label F1 of each system on each evaluation set."""
    head = "| label | " + " | ".join(f"{name} · {s}" for s in sets for name in systems) + " |"
    lines = [head, "|---|" + "---:|" * (len(sets) * len(systems))]
    for label in (*LABELS, "macro"):
        cells = []
        for s in sets:
            for name in systems:
                m = systems[name][s]["per_label"][label]
                cells.append(f"{m['f1']:.3f}")
        name = f"**{label}**" if label == "macro" else label
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def prf_table(result: dict[str, Any]) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label in LABELS:
        m = result["per_label"][label]
        lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    mac = result["per_label"]["macro"]
    lines.append(f"| **macro** | {mac['precision']:.3f} | {mac['recall']:.3f} | **{mac['f1']:.3f}** | |")
    return lines
