"""A training run from a config: data in, best weights and dev thresholds out (in run_dir)."""

from __future__ import annotations

import json
import platform
from typing import Any

from inference.errors import UsageError
from inference.taxonomy import LABELS
from labeling.augment import augment_records
from labeling.gold import GoldMessage, parse_gold_message
from training.config import FitConfig
from training.corpus import data_config, gold_split
from training.data import Encoded, encode


def tokenizer_for(cfg: FitConfig):
    from transformers import AutoTokenizer

    if not (cfg.base_model / "config.json").is_file():
        raise UsageError(f"base model not found: {cfg.base_model} (a local Hugging Face directory; "
                         "`aftersales train base` makes the default one)")
    return AutoTokenizer.from_pretrained(cfg.base_model, local_files_only=True)


def with_student_base(cfg: FitConfig) -> FitConfig:
    """For a distillation run, the base is the teacher's base cut to the student's depth (made once)."""
    if cfg.distill is None:
        return cfg
    from training.distill import student_base

    student = cfg.run_dir / "student_base"
    if not (student / "config.json").exists():
        source = cfg.distill.init or cfg.base_model
        if cfg.distill.init is not None:
            from inference.model_dir import verify
            verify(source)
        depth = json.loads((source / "config.json").read_text())["num_hidden_layers"]
        student_base(source, student, cfg.distill.source_layers(depth))
    return cfg.model_copy(update={"base_model": student})


def distill_loss(cfg: FitConfig) -> dict[str, Any]:
    """The intermediate-layer loss when configured (the teacher's encoder, loaded from `init`)."""
    if cfg.distill is None or cfg.distill.hidden_weight == 0:
        return {}
    from training.distill import HiddenStateLoss
    from training.weights import load_classifier

    teacher = load_classifier(cfg.distill.init).encoder
    layers = json.loads((cfg.base_model / "student.json").read_text())["layers"]
    return {"step_loss": HiddenStateLoss(teacher, layers, cfg.distill.hidden_weight)}


def train_records(cfg: FitConfig) -> list[GoldMessage]:
    """The train split, plus its augmented copies when enabled (made here, deterministically)."""
    data = data_config(cfg.data_config)
    train = gold_split(data, "train")
    if cfg.train.limit_train:
        train = train[: cfg.train.limit_train]
    if not cfg.train.augment:
        return train
    augment = data.augment
    if cfg.distill is not None and cfg.distill.augment_copies is not None:
        augment = augment.model_copy(update={"copies": cfg.distill.augment_copies})
    copies = augment_records(train, augment, train_ids={r.id for r in train})
    return train + [parse_gold_message(rec, max_chars=10_000) for rec in copies]


def encode_split(cfg: FitConfig, records: list[GoldMessage], tokenizer) -> Encoded:
    return encode(records, tokenizer, max_length=cfg.train.max_length, prefix=cfg.train.prefix,
                  use_context=cfg.train.use_context)


def data_manifest_sha(cfg: FitConfig) -> str:
    from inference.model_dir import sha256_file

    return sha256_file(data_config(cfg.data_config).paths.splits)


def train_run(cfg: FitConfig, *, resume: bool = False) -> dict[str, Any]:
    import torch

    from training.fit import build_model, dev_score, fit, load_weights

    cfg = with_student_base(cfg)
    tok = tokenizer_for(cfg)
    dev = encode_split(cfg, gold_split(data_config(cfg.data_config), "dev"), tok)
    records = train_records(cfg)
    if cfg.distill is not None:
        from training.distill import soft_targets, ticket_records

        records += ticket_records(cfg) if cfg.distill.ticket_texts else []
        train = encode_split(cfg, records, tok)
        train = Encoded(ids=train.ids, labels=soft_targets(cfg.distill.teacher, records), records=records)
    else:
        train = encode_split(cfg, records, tok)
    state = fit(cfg, train, dev, tok.pad_token_id, resume=resume, **distill_loss(cfg))
    model = build_model(cfg)
    load_weights(model, cfg.run_dir / "best")
    f1, thresholds = dev_score(model, dev, tok.pad_token_id, cfg)
    summary = {
        "name": cfg.name, "best_epoch": state.best_epoch, "dev_macro_f1": f1, "thresholds": thresholds,
        "history": state.history, "train_records": len(train.ids), "dev_records": len(dev.ids),
        "labels": list(LABELS), "seconds": round(state.seconds, 1),
        "hardware": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads (CPU)",
        "data_manifest_sha256": data_manifest_sha(cfg),
    }
    (cfg.run_dir / "fit.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
