"""Vocabulary pruning: keep the pieces Chinese, ASCII and our text need.

The XLM-R vocabulary has 250k pieces; its embedding table is 96M of the
encoder's 118M parameters, and most pieces are scripts our merchants never
write. We keep: the special tokens; every CJK piece (single characters and
multi-character words, so the segmentation of Chinese text does not change);
every single ASCII character; the highest-scoring ASCII pieces up to a budget;
and every piece that tokenizing the pruning corpus uses. Embedding rows and
the tokenizer are remapped together, in the original order.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
METASPACE = "\u2581"


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2FFFF
            or 0xF900 <= cp <= 0xFAFF or 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFFEF)


def select_pieces(vocab: Sequence[tuple[str, float]], used: Iterable[int], *, ascii_top: int) -> list[int]:
    """Old ids to keep, sorted (so specials keep ids 0-3 and the order is stable)."""
    keep = {i for i in used}
    ascii_pieces = []
    for i, (piece, score) in enumerate(vocab):
        core = piece.lstrip(METASPACE)
        if piece in SPECIALS or not core:
            keep.add(i)
        elif all(is_cjk(ch) for ch in core):
            keep.add(i)
        elif all(ord(ch) < 128 for ch in core):
            if len(core) == 1:
                keep.add(i)                      # every ASCII text stays tokenizable
            else:
                ascii_pieces.append((score, i))
    ascii_pieces.sort(reverse=True)
    keep.update(i for _, i in ascii_pieces[:ascii_top])
    return sorted(keep)


def prune_tokenizer_json(tok: dict[str, Any], keep: Sequence[int]) -> dict[str, Any]:
    """The same Unigram tokenizer over the kept pieces, every id reference remapped."""
    new_id = {old: new for new, old in enumerate(keep)}
    out = copy.deepcopy(tok)
    vocab = tok["model"]["vocab"]
    out["model"]["vocab"] = [vocab[i] for i in keep]
    out["model"]["unk_id"] = new_id[tok["model"]["unk_id"]]
    for added in out["added_tokens"]:
        added["id"] = new_id[added["id"]]
    post = out.get("post_processor") or {}
    for special in post.get("special_tokens", {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    for key in ("sep", "cls"):                      # RobertaProcessing form, if present
        if key in post:
            post[key] = [post[key][0], new_id[post[key][1]]]
    if out.get("padding"):
        out["padding"]["pad_id"] = new_id[out["padding"]["pad_id"]]
    return out


def prune_embeddings(weight: np.ndarray, keep: Sequence[int]) -> np.ndarray:
    return np.ascontiguousarray(weight[np.asarray(keep)])


def used_ids(tokenizer, texts: Iterable[str], batch: int = 512) -> set[int]:
    """Every id the full tokenizer produces on the corpus."""
    ids: set[int] = set()
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == batch:
            for enc in tokenizer.encode_batch(chunk):
                ids.update(enc.ids)
            chunk = []
    for enc in tokenizer.encode_batch(chunk):
        ids.update(enc.ids)
    return ids


def dumps(tok: dict[str, Any]) -> str:
    return json.dumps(tok, ensure_ascii=False)
