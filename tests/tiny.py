"""Tiny models and tokenizers built inside the tests (never the real base model).

In the manner of transformers' BertModelTester: a random BERT with a handful
of layers and a vocabulary written by the test, small enough to train and
export in a second on a CPU.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def write_tiny_tokenizer(out: Path, texts: list[str]) -> Path:
    """A character-level WordPiece tokenizer with XLM-R-style pair template and specials."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    chars = sorted({ch for t in texts for ch in t if not ch.isspace()})
    vocab = {tok: i for i, tok in enumerate(SPECIALS + ["<mask>"] + chars)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="<unk>", max_input_chars_per_word=1))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Split("", behavior="isolated")])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 128, "bos_token": "<s>",
        "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}))
    return out / "tokenizer.json"


def write_tiny_bert(out: Path, texts: list[str], *, seed: int = 0) -> Path:
    """A random 2-layer BERT directory with its tokenizer; loads offline like a real base."""
    import torch
    from transformers import BertConfig, BertModel

    write_tiny_tokenizer(out, texts)
    vocab_size = len(json.loads((out / "tokenizer.json").read_text())["model"]["vocab"])
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=256, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(out)
    return out


def write_tiny_bert_vocab_txt(out: Path, texts: list[str], *, seed: int = 0) -> Path:
    """A bert-base-chinese-shaped directory: vocab.txt only (no tokenizer.json), [CLS]/[SEP]/[PAD]."""
    import torch
    from transformers import BertConfig, BertModel

    chars = sorted({ch for t in texts for ch in t if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer",
                                                           "do_lower_case": True, "model_max_length": 128}))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=256, pad_token_id=0)
    BertModel(config, add_pooling_layer=False).save_pretrained(out)
    return out


def write_tiny_model_dir(out: Path, texts: list[str], *, seed: int = 0, max_length: int = 64) -> Path:
    """A complete, manifest-verified model directory around a random tiny classifier (fp32 ONNX)."""
    import torch

    from inference.model_dir import write_manifest
    from training.encoder import MeanPoolClassifier, load_encoder
    from training.export import export_fp32

    base = write_tiny_bert(out.parent / (out.name + "-base"), texts + ["query: "], seed=seed)
    torch.manual_seed(seed)
    model = MeanPoolClassifier(load_encoder(base), 5).eval()
    out.mkdir(parents=True, exist_ok=True)
    export_fp32(model, out / "model.fp32.onnx")
    (out / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    labels = ["meaningless", "deflection", "unilateral_change", "extra_charge", "commitment"]
    (out / "model.json").write_text(json.dumps({
        "format_version": 1, "name": "tiny", "version": "0.0.1", "labels": labels,
        "thresholds": {label: 0.5 for label in labels}, "max_length": max_length, "prefix": "query: ",
        "use_context": True, "graphs": {"fp32": "model.fp32.onnx"}, "default_graph": "fp32", "pad_id": 1}))
    write_manifest(out)
    return out
