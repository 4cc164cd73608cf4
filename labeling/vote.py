"""Majority vote over the labeling functions: weak labels and the rule baseline.

Per label, the votes of that label's functions are summed; a positive sum is
the label, anything else (no votes, a tie, more NEG than POS) is not. Plain
majority vote over narrow rules, not a learned label model: with a few
dozen rules that rarely overlap there is nothing for a label model to learn,
and its errors are harder to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from tqdm import tqdm

from inference.taxonomy import LABELS
from labeling.functions import FUNCTIONS, Doc, LabelingFunction


def vote_matrix(pairs: Iterable[tuple[str, str | None]], *, functions: Sequence[LabelingFunction] = FUNCTIONS,
                progress: bool = False, total: int | None = None) -> np.ndarray:
    """Votes as an int8 array (n texts x m functions) of POS=1, NEG=-1, ABSTAIN=0."""
    rows = []
    for text, context in tqdm(pairs, total=total, disable=not progress, desc="labeling functions",
                              unit="text"):
        doc = Doc.of(text, context)
        rows.append([lf(doc) for lf in functions])
    return np.asarray(rows, dtype=np.int8).reshape(len(rows), len(functions))


def majority_vote(votes: np.ndarray, *, functions: Sequence[LabelingFunction] = FUNCTIONS) -> np.ndarray:
    """Binary labels (n texts x len(LABELS)) from the vote matrix."""
    out = np.zeros((votes.shape[0], len(LABELS)), dtype=np.int8)
    for j, label in enumerate(LABELS):
        cols = [i for i, lf in enumerate(functions) if lf.label == label]
        if cols:
            out[:, j] = votes[:, cols].sum(axis=1) > 0
    return out


def labels_of(row: np.ndarray) -> list[str]:
    return [label for label, on in zip(LABELS, row) if on]
