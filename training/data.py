"""Examples for fine-tuning: gold records -> token ids, batched by length.

The merchant text is the first segment and the consumer's context, when there
is one, the second: XLM-R style `<s> text </s></s> context </s>`. A missing
context is passed as no second segment at all, never as '' (which would add
an empty segment, `</s></s></s>`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from inference.metrics import label_matrix
from inference.taxonomy import LABELS
from labeling.gold import GoldMessage


@dataclass(frozen=True)
class Encoded:
    ids: list[list[int]]
    labels: np.ndarray          # n x len(LABELS), 0/1
    records: Sequence[GoldMessage]


def encode(records: Sequence[GoldMessage], tokenizer, *, max_length: int, prefix: str,
           use_context: bool) -> Encoded:
    """Token ids per record (truncated, unpadded) and the multi-hot label matrix."""
    ids = []
    for rec in records:
        context = rec.context if use_context else None
        if context:
            enc = tokenizer(prefix + rec.text, context, truncation="longest_first", max_length=max_length)
        else:
            enc = tokenizer(prefix + rec.text, truncation=True, max_length=max_length)
        ids.append(enc["input_ids"])
    return Encoded(ids=ids, labels=label_matrix([r.labels for r in records], LABELS), records=records)


def pad(batch_ids: Sequence[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest in the batch (not to max_length): short texts stay cheap."""
    width = max(len(x) for x in batch_ids)
    ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch_ids), width), dtype=torch.long)
    for i, x in enumerate(batch_ids):
        ids[i, :len(x)] = torch.tensor(x)
        mask[i, :len(x)] = 1
    return ids, mask


def length_batches(lengths: Sequence[int], batch_size: int, *, rng: random.Random | None) -> list[list[int]]:
    """Index batches of similar length. With rng: shuffled within pools of 50 batches, then
    the batches shuffled, so training order stays random but padding stays small."""
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: lengths[i])
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def iterate(data: Encoded, batch_size: int, pad_id: int, *, rng: random.Random | None = None
            ) -> Iterator[tuple[list[int], torch.Tensor, torch.Tensor, torch.Tensor]]:
    for idx in length_batches([len(x) for x in data.ids], batch_size, rng=rng):
        ids, mask = pad([data.ids[i] for i in idx], pad_id)
        yield idx, ids, mask, torch.tensor(data.labels[idx], dtype=torch.float32)
