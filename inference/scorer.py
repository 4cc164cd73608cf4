"""The scorer: merchant texts (with the consumer's message as context) -> label probabilities.

One class serves the batch jobs, the API and the training room's export
checks. It reproduces training-time preprocessing from `model.json`
(prefix, pair segments, max length), pads each batch only to its own longest
text, and groups texts of similar length into a batch, which is what makes
batching pay off on CPU (unsorted batches of 32 ran slower than one text at a
time in the trial; sorted, 3x faster).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.errors import UsageError
from inference.model_dir import ModelInfo, read_info, verify


@dataclass(frozen=True)
class Scores:
    probs: np.ndarray              # n x labels, float32
    truncated: np.ndarray          # n, bool: the text (or its context) was cut at max_length


def default_threads() -> int:
    """The cores this process may use (respects taskset/cgroup affinity), not the machine's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                      # not Linux
        return max(1, os.cpu_count() or 1)


class Scorer:
    """Load once, score many. `graph` picks a variant listed in model.json (int8 or fp32)."""

    def __init__(self, model_dir: Path, *, graph: str | None = None, threads: int | None = None,
                 batch_size: int = 32, verify_files: bool = True) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        if verify_files:
            verify(model_dir)
        self.info: ModelInfo = read_info(model_dir)
        self.graph = graph or self.info.default_graph
        if self.graph not in self.info.graphs:
            raise UsageError(f"{model_dir}: no graph {self.graph!r}; has {sorted(self.info.graphs)}")
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.info.max_length, strategy="longest_first")
        self.pad_id = self.info.pad_id
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or default_threads()
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_dir / self.info.graphs[self.graph]), opts,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], contexts: Sequence[str | None]) -> tuple[list[list[int]], np.ndarray]:
        """Token ids per text and whether truncation cut anything."""
        ids, cut = [], []
        use_ctx = self.info.use_context
        for text, ctx in zip(texts, contexts):
            enc = (self.tokenizer.encode(self.info.prefix + text, ctx) if use_ctx and ctx
                   else self.tokenizer.encode(self.info.prefix + text))
            ids.append(enc.ids)
            cut.append(bool(enc.overflowing))
        return ids, np.array(cut, dtype=bool)

    def run(self, ids: Sequence[list[int]]) -> np.ndarray:
        """Probabilities for pre-tokenized inputs, batched by similar length, in input order."""
        out = np.zeros((len(ids), len(self.info.labels)), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            width = max(len(ids[i]) for i in idx)
            input_ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                input_ids[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            (probs,) = self.session.run(["probs"], {"input_ids": input_ids, "attention_mask": mask})
            out[idx] = probs
        return out

    def score(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> Scores:
        contexts = contexts if contexts is not None else [None] * len(texts)
        ids, cut = self.encode(texts, contexts)
        return Scores(probs=self.run(ids), truncated=cut)
