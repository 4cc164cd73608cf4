"""Fine-tuning: seeded, class-weighted, early-stopped on dev macro-F1, resumable.

A run directory holds `last/` (weights, optimizer and RNG state, progress:
what `--resume` continues from) and `best/` (the weights with the best dev
macro-F1 so far). Weights are safetensors; the optimizer state is a
tensors-only torch file read back with `weights_only=True`.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from inference.metrics import per_label
from inference.taxonomy import LABELS
from training.config import FitConfig
from training.data import Encoded, iterate
from training.encoder import MeanPoolClassifier, load_encoder
from training.thresholds import apply, choose_thresholds


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pos_weight(labels: np.ndarray, cap: float) -> torch.Tensor:
    """neg/pos per label, capped: rare labels weigh more, but not enough to swamp precision."""
    pos = labels.sum(0).clip(min=1)
    return torch.tensor(np.minimum((len(labels) - pos) / pos, cap), dtype=torch.float32)


def build_model(cfg: FitConfig) -> MeanPoolClassifier:
    """The base encoder plus a head: a fresh one, or the base's own when it is a fine-tuned
    weights directory (training/weights.py), so training continues from where it stopped."""
    from training.weights import HEAD

    model = MeanPoolClassifier(load_encoder(cfg.base_model), len(LABELS), dropout=cfg.train.dropout)
    if (cfg.base_model / HEAD).is_file():
        from safetensors.torch import load_file

        model.head.load_state_dict(load_file(str(cfg.base_model / HEAD)))
    if cfg.train.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    return model


def _optimizer(model: MeanPoolClassifier, cfg: FitConfig) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for _, p in model.encoder.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim == 1 else decay).append(p)
    return torch.optim.AdamW([
        {"params": decay, "lr": cfg.train.lr, "weight_decay": cfg.train.weight_decay},
        {"params": no_decay, "lr": cfg.train.lr, "weight_decay": 0.0},
        {"params": list(model.head.parameters()), "lr": cfg.train.head_lr, "weight_decay": 0.0},
    ])


def _schedule(opt: torch.optim.Optimizer, total: int, warmup: int) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(warmup, 1)
        return max(0.0, (total - step) / max(total - warmup, 1))
    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


@torch.no_grad()
def predict(model: MeanPoolClassifier, data: Encoded, pad_id: int, batch_size: int = 64,
            progress: bool = False) -> np.ndarray:
    """Sigmoid scores (n x labels), in the records' order."""
    model.eval()
    out = np.zeros((len(data.ids), len(LABELS)), dtype=np.float32)
    for idx, ids, mask, _ in tqdm(iterate(data, batch_size, pad_id), disable=not progress, desc="predict",
                                  total=math.ceil(len(data.ids) / batch_size), leave=False):
        out[idx] = torch.sigmoid(model(ids, mask)).numpy()
    return out


def dev_score(model, dev: Encoded, pad_id: int, cfg: FitConfig) -> tuple[float, dict[str, float]]:
    """Dev macro-F1 at the thresholds that would ship (chosen on dev)."""
    scores = predict(model, dev, pad_id)
    thresholds = choose_thresholds(dev.labels, scores, LABELS, cfg.thresholds)
    metrics = per_label(dev.labels, apply(scores, thresholds, LABELS), LABELS)
    return metrics["macro"]["f1"], thresholds


@dataclass
class RunState:
    epoch: int = 0                  # epochs completed
    step: int = 0
    best_f1: float = -1.0
    best_epoch: int = 0
    stale: int = 0
    seconds: float = 0.0            # training wall time, summed over resumed sessions
    history: list[dict[str, Any]] | None = None


def _save(model, opt, sched, state: RunState, where: Path) -> None:
    from safetensors.torch import save_file

    where.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(where / "model.safetensors"))
    if opt is not None:
        torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "torch_rng": torch.get_rng_state()}, where / "optimizer.pt")
        (where / "state.json").write_text(json.dumps(state.__dict__, indent=1) + "\n")


def load_weights(model, where: Path) -> None:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(where / "model.safetensors")))


def _resume(model, opt, sched, where: Path) -> RunState:
    load_weights(model, where)
    extra = torch.load(where / "optimizer.pt", weights_only=True)
    opt.load_state_dict(extra["optimizer"])
    sched.load_state_dict(extra["scheduler"])
    torch.set_rng_state(extra["torch_rng"])
    return RunState(**json.loads((where / "state.json").read_text()))


StepLoss = Callable[[MeanPoolClassifier, torch.Tensor, torch.Tensor, torch.Tensor, torch.nn.Module], torch.Tensor]


def label_loss(model: MeanPoolClassifier, ids: torch.Tensor, mask: torch.Tensor, y: torch.Tensor,
               bce: torch.nn.Module) -> torch.Tensor:
    return bce(model(ids, mask), y)


def fit(cfg: FitConfig, train: Encoded, dev: Encoded, pad_id: int, *, resume: bool = False,
        progress: bool = True, step_loss: StepLoss = label_loss) -> RunState:
    """Train until `epochs` or `patience` epochs without a dev gain; best weights in run_dir/best."""
    torch.set_num_threads(cfg.train.threads)
    seed_everything(cfg.train.seed)
    model = build_model(cfg)
    opt = _optimizer(model, cfg)
    steps_per_epoch = math.ceil(len(train.ids) / cfg.train.batch_size)
    total = steps_per_epoch * cfg.train.epochs
    sched = _schedule(opt, total, int(total * cfg.train.warmup_ratio))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(train.labels, cfg.train.pos_weight_cap))
    last, best = cfg.run_dir / "last", cfg.run_dir / "best"
    state = _resume(model, opt, sched, last) if resume and (last / "state.json").exists() else RunState(history=[])
    while state.epoch < cfg.train.epochs and state.stale < cfg.train.patience:
        # Each epoch's shuffle depends only on (seed, epoch): a resumed run sees the same batches.
        rng = random.Random(cfg.train.seed * 1000 + state.epoch)
        epoch_start = time.time()
        model.train()
        bar = tqdm(iterate(train, cfg.train.batch_size, pad_id, rng=rng), total=steps_per_epoch,
                   desc=f"epoch {state.epoch + 1}/{cfg.train.epochs}", disable=not progress)
        running = 0.0
        for n, (_, ids, mask, y) in enumerate(bar, start=1):
            loss = step_loss(model, ids, mask, y, loss_fn)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            state.step += 1
            running += loss.item()
            bar.set_postfix(loss=f"{running / n:.4f}")
        f1, _ = dev_score(model, dev, pad_id, cfg)
        state.epoch += 1
        state.seconds += time.time() - epoch_start
        state.history.append({"epoch": state.epoch, "train_loss": running / max(n, 1), "dev_macro_f1": f1})
        if f1 > state.best_f1:
            state.best_f1, state.best_epoch, state.stale = f1, state.epoch, 0
            _save(model, None, None, state, best)
        else:
            state.stale += 1
        _save(model, opt, sched, state, last)
        tqdm.write(f"epoch {state.epoch}: train loss {running / max(n, 1):.4f}, dev macro-F1 {f1:.4f}"
                   f" (best {state.best_f1:.4f} at epoch {state.best_epoch})")
    return state
