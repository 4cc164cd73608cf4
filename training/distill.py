"""A distilled fast model: a shallow student trained on the default model's scores.

The student is the base encoder cut to its first N layers (same embeddings,
same tokenizer), trained with binary cross-entropy against the teacher's
probabilities (soft targets) on the gold train texts, their augmented copies
and, optionally, the merchant texts inside the gold tickets, which carry no
message labels but do carry the teacher's judgement. Early stopping and
thresholds still use the gold dev labels, and the export reports it on the
gold test and out-of-style sets like any model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from inference.records import Message
from inference.scorer import Scorer
from labeling.gold import GoldMessage
from training.config import FitConfig
from training.corpus import data_config


def student_base(base: Path, out: Path, layers: int) -> Path:
    """Copy the base keeping only its first `layers` transformer layers."""
    from safetensors.numpy import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    config = json.loads((base / "config.json").read_text())
    config["num_hidden_layers"] = layers
    state = {k: v for k, v in load_file(str(base / "model.safetensors")).items()
             if not k.startswith("encoder.layer.") or int(k.split(".")[2]) < layers}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=1))
    for name in ("tokenizer.json", "tokenizer_config.json", "base.json", "base_report.json"):
        if (base / name).exists():
            shutil.copyfile(base / name, out / name)
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
