"""A distilled fast model: a shallow student trained on the default model's scores.

The student is a BERT directory cut to N of its layers (same embeddings,
same tokenizer): the base's, or better the fine-tuned teacher's own weights
directory (training/weights.py), whose layers and head already do the task.
It is trained with binary cross-entropy against the teacher's probabilities
(soft targets) on the gold train texts, their augmented copies (more of them
than the teacher saw, since the teacher labels them for free) and,
optionally, the merchant texts inside the gold tickets, which carry no
message labels but do carry the teacher's judgement. Early stopping and
thresholds still use the gold dev labels, and the export reports it on the
gold test and out-of-style sets like any model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch

from inference.records import Message
from inference.scorer import Scorer
from labeling.gold import GoldMessage
from training.config import FitConfig
from training.corpus import data_config


def student_base(source: Path, out: Path, layers: list[int]) -> Path:
    """Copy a BERT directory keeping only the listed transformer layers, renumbered from 0.

    From a fine-tuned weights directory the head comes along, so the student
    starts as a shallow copy of the teacher rather than from scratch.
    """
    from training.weights import HEAD, load_state, save_state

    out.mkdir(parents=True, exist_ok=True)
    config = json.loads((source / "config.json").read_text())
    config["num_hidden_layers"] = len(layers)
    renumber = {old: new for new, old in enumerate(layers)}
    state = {}
    for key, value in load_state(source).items():
        if key.startswith("encoder.layer."):
            _, _, n, rest = key.split(".", 3)
            if int(n) not in renumber:
                continue
            key = f"encoder.layer.{renumber[int(n)]}.{rest}"
        state[key] = value
    save_state(state, out)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    for name in ("tokenizer.json", "tokenizer_config.json", "base.json", "base_report.json", HEAD):
        if (source / name).exists():
            shutil.copyfile(source / name, out / name)
    (out / "student.json").write_text(json.dumps({"source": str(source), "layers": layers}) + "\n")
    return out


def ticket_records(cfg: FitConfig) -> list[GoldMessage]:
    """Merchant texts of the gold tickets with their consumer context, as unlabeled records."""
    from inference.gate import merchant_texts
    from inference.tickets import parse_ticket

    out = []
    path = data_config(cfg.data_config).paths.tickets
    for line in path.read_text(encoding="utf-8").splitlines():
        ticket = parse_ticket(json.loads(line))
        for ev, ctx in merchant_texts(ticket):
            out.append(GoldMessage(Message(id=f"{ticket.id}-e{ev.index}", text=ev.text, context=ctx), (), "ticket"))
    return out


def soft_targets(teacher: Path, records: list[GoldMessage]) -> np.ndarray:
    return Scorer(teacher).score([r.text for r in records], [r.context for r in records]).probs


class HiddenStateLoss:
    """The soft-target loss plus intermediate-layer distillation (TinyBERT-style): each student
    layer's hidden states are pulled towards those of the teacher layer it was cut from, over
    real tokens only. The teacher runs in torch beside the student, so training takes about
    twice as long; what it buys is the teacher's internal representation, not just its outputs."""

    def __init__(self, teacher: torch.nn.Module, layers: list[int], weight: float) -> None:
        self.teacher = teacher.eval().requires_grad_(False)
        self.layers = layers
        self.weight = weight

    def __call__(self, model, ids: torch.Tensor, mask: torch.Tensor, y: torch.Tensor,
                 bce: torch.nn.Module) -> torch.Tensor:
        logits, states = model.with_states(ids, mask)
        with torch.no_grad():
            target = self.teacher(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        real = mask.unsqueeze(-1).to(logits.dtype)
        per_layer = [(((s - target[src + 1]) ** 2) * real).sum() / (real.sum() * s.shape[-1])
                     for s, src in zip(states[1:], self.layers)]
        return bce(logits, y) + self.weight * torch.stack(per_layer).mean()
