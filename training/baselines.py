"""The two baselines every model card reports beside the model, trained on the same data.

- `lf_vote`: the labeling functions' majority vote (no training, no scores).
- `tfidf_lr`: jieba-segmented TF-IDF (words and word bigrams, text and
  context vectorized separately) with one class-balanced logistic regression
  per label, thresholds chosen on dev like the model's. What a data scientist
  would try first; strong on text written like its training data.
Neither is saved: they exist for the report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inference.metrics import label_matrix
from inference.taxonomy import LABELS
from labeling.functions import segmenter
from labeling.gold import GoldMessage
from labeling.vote import majority_vote, vote_matrix
from training.config import ThresholdConfig
from training.thresholds import apply, choose_thresholds


def lf_vote(records: Sequence[GoldMessage]) -> np.ndarray:
    return majority_vote(vote_matrix([(r.text, r.context) for r in records]))


def _words(text: str) -> list[str]:
    return [w for w in segmenter().lcut(text.lower()) if w.strip()]


class TfidfLogReg:
    def __init__(self, seed: int = 13) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        kw = dict(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                  min_df=1, sublinear_tf=True)
        self.text_vec = TfidfVectorizer(**kw)
        self.ctx_vec = TfidfVectorizer(**kw)
        self.seed = seed
        self.use_context = False
        self.models = []
        self.thresholds: dict[str, float] = {}

    def _features(self, records: Sequence[GoldMessage], fit: bool = False):
        from scipy.sparse import hstack

        texts = [r.text for r in records]
        ctxs = [r.context or "" for r in records]
        if fit:
            self.use_context = any(c.strip() for c in ctxs)     # no contexts at all: text features only
            parts = [self.text_vec.fit_transform(texts)]
            if self.use_context:
                parts.append(self.ctx_vec.fit_transform(ctxs))
        else:
            parts = [self.text_vec.transform(texts)]
            if self.use_context:
                parts.append(self.ctx_vec.transform(ctxs))
        return hstack(parts).tocsr()

    def fit(self, train: Sequence[GoldMessage]) -> "TfidfLogReg":
        from sklearn.linear_model import LogisticRegression

        x = self._features(train, fit=True)
        y = label_matrix([r.labels for r in train], LABELS)
        # A label with one class in the training data gets that class's rate as a constant score.
        self.models = [LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000,
                                          random_state=self.seed).fit(x, y[:, j])
                       if 0 < y[:, j].sum() < len(y) else float(y[:, j].mean()) for j in range(len(LABELS))]
        return self

    def tune(self, dev: Sequence[GoldMessage], cfg: ThresholdConfig) -> "TfidfLogReg":
        """Thresholds on dev, the way the model's are chosen."""
        dev_y = label_matrix([r.labels for r in dev], LABELS)
        self.thresholds = choose_thresholds(dev_y, self.scores(dev), LABELS, cfg)
        return self

    def scores(self, records: Sequence[GoldMessage]) -> np.ndarray:
        x = self._features(records)
        cols = [np.full(x.shape[0], m) if isinstance(m, float) else m.predict_proba(x)[:, 1] for m in self.models]
        return np.stack(cols, axis=1).astype(np.float32)

    def predict(self, records: Sequence[GoldMessage]) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores(records)
        return apply(s, self.thresholds, LABELS), s
