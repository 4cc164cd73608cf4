"""The fine-tuned classifier as a Hugging Face directory: the torch side of a shipped model.

The ONNX model directory is what serves; this one is for whoever needs the
weights themselves without retraining: the PyTorch and fp32 ONNX comparisons
in `benchmarks/throughput.py`, a distilled student initialized from the
teacher's layers, or further fine-tuning (it is a valid `base_model`, the
head included).

Layout: `config.json` + the encoder's safetensors (a plain BertModel, in
shards under 40 MB, so `AutoModel.from_pretrained` loads the fine-tuned
encoder as is and no file trips a git host's size warning), the
tokenizer, `head.safetensors` (the linear head over mean-pooled states),
`classifier.json` (what the head means and how texts were prepared), the
resolved training config and a sha256 manifest that is checked on load.
Matrices are stored in fp16 (the word embeddings are half the file, and a
git clone should stay small); vectors (biases, LayerNorm) stay fp32. The
rounding's effect on the scores is measured at write time and recorded in
`classifier.json`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.config import resolved_yaml
from inference.model_dir import verify, write_manifest
from inference.taxonomy import LABELS
from training.config import FitConfig
from training.encoder import MeanPoolClassifier, load_encoder

HEAD = "head.safetensors"
CLASSIFIER = "classifier.json"
INDEX = "model.safetensors.index.json"
SHARD_BYTES = 40 << 20          # git hosts warn at 50 MB per file


def half_matrices(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: (v.half() if v.ndim >= 2 else v).contiguous() for k, v in state.items()}


def save_state(state: dict[str, torch.Tensor], out: Path, *, shard_bytes: int = SHARD_BYTES) -> None:
    """An encoder state as `model.safetensors`, or in Hugging Face's sharded layout (files of at
    most `shard_bytes`, plus the index) when it is larger: `from_pretrained` reads either."""
    from safetensors.torch import save_file

    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for key, value in state.items():
        n = value.numel() * value.element_size()
        if shards[-1] and size + n > shard_bytes:
            shards.append({})
            size = 0
        shards[-1][key] = value.contiguous()
        size += n
    if len(shards) == 1:
        save_file(shards[0], str(out / "model.safetensors"), metadata={"format": "pt"})
        return
    names = [f"model-{i:05d}-of-{len(shards):05d}.safetensors" for i in range(1, len(shards) + 1)]
    for name, shard in zip(names, shards):
        save_file(shard, str(out / name), metadata={"format": "pt"})
    total = sum(v.numel() * v.element_size() for v in state.values())
    index = {"metadata": {"total_size": total},
             "weight_map": {k: name for name, shard in zip(names, shards) for k in shard}}
    (out / INDEX).write_text(json.dumps(index, indent=1) + "\n")


def load_state(path: Path) -> dict[str, torch.Tensor]:
    """The encoder state of a directory written by `save_state` (sharded or not), or of any base."""
    from safetensors.torch import load_file

    index = path / INDEX
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() \
        else ["model.safetensors"]
    return {k: v for name in files for k, v in load_file(str(path / name)).items()}


def weights_from_run(cfg: FitConfig) -> dict[str, Any]:
    """The run's best weights into `export.weights_dir`, checked on the dev split's texts."""
    from training.corpus import data_config, gold_split
    from training.fit import build_model, load_weights
    from training.run import encode_split, tokenizer_for, with_student_base

    if cfg.export.weights_dir is None:
        raise ValueError("export.weights_dir is not set in this config")
    cfg = with_student_base(cfg)
    model = build_model(cfg)
    load_weights(model, cfg.run_dir / "best")
    tok = tokenizer_for(cfg)
    dev = encode_split(cfg, gold_split(data_config(cfg.data_config), "dev"), tok)
    return write_weights(model.eval(), cfg, cfg.export.weights_dir, tokenizer=tok, check_ids=dev.ids)


def write_weights(model: MeanPoolClassifier, cfg: FitConfig, out: Path, *, tokenizer,
                  check_ids: list[list[int]]) -> dict[str, Any]:
    """Write the directory; return (and record) how far the fp16 copy's scores are from the model's.
    The tokenizer is saved from the loaded one, so a base that ships only vocab.txt works too."""
    from safetensors.torch import save_file

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    half = half_matrices(model.encoder.state_dict())
    model.encoder.config.save_pretrained(out)
    save_state(half, out)
    save_file({k: v.contiguous() for k, v in model.head.state_dict().items()}, str(out / HEAD),
              metadata={"format": "pt"})
    tokenizer.save_pretrained(out)
    pad_id = tokenizer.pad_token_id
    (out / "config.yaml").write_text(resolved_yaml(cfg), encoding="utf-8")
    meta = {"name": cfg.name, "version": cfg.version, "labels": list(LABELS), "pooling": "mean",
            "prefix": cfg.train.prefix, "max_length": cfg.train.max_length, "use_context": cfg.train.use_context,
            "pad_id": pad_id, "storage": "fp16 matrices, fp32 vectors",
            "fp16_max_abs_prob_diff": rounding_error(model, half, check_ids, pad_id),
            "fp16_checked_texts": len(check_ids)}
    (out / CLASSIFIER).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    write_manifest(out)
    return meta


def load_classifier(path: Path, *, dropout: float = 0.0) -> MeanPoolClassifier:
    """A verified weights directory as an fp32 classifier in eval mode."""
    from safetensors.torch import load_file

    verify(path)
    meta = json.loads((path / CLASSIFIER).read_text())
    if tuple(meta["labels"]) != LABELS:
        raise ValueError(f"{path}: labels {meta['labels']} are not this taxonomy's {list(LABELS)}")
    model = MeanPoolClassifier(load_encoder(path), len(LABELS), dropout=dropout)
    model.head.load_state_dict(load_file(str(path / HEAD)))
    return model.eval()


@torch.no_grad()
def rounding_error(model: MeanPoolClassifier, half: dict[str, torch.Tensor], ids: list[list[int]], pad_id: int,
                   batch: int = 64) -> float:
    """Largest score change on `ids` when the encoder runs on the fp16-rounded state instead."""
    import copy

    from training.data import pad

    rounded = copy.deepcopy(model).eval()
    rounded.encoder.load_state_dict(half)               # copied into the fp32 parameters
    model.eval()
    worst = 0.0
    for start in range(0, len(ids), batch):
        x, mask = pad(ids[start:start + batch], pad_id)
        diff = torch.sigmoid(model(x, mask)) - torch.sigmoid(rounded(x, mask))
        worst = max(worst, float(diff.abs().max()))
    return float(np.round(worst, 8))


def fp32_model_dir(weights: Path, shipped: Path, out: Path, *, opset: int = 17) -> dict[str, Any]:
    """An fp32 ONNX model directory rebuilt from a weights directory, serving as `shipped` does
    (its thresholds, max length, prefix, tokenizer): the fp32 reference without retraining.
    Refused if the graph's scores stray from torch's by more than the export's tolerance."""
    from inference.model_dir import read_info, sha256_file
    from training.export import export_fp32, parity
    from training.package import PARITY_TOL

    verify(shipped)
    model = load_classifier(weights)
    meta = json.loads((weights / CLASSIFIER).read_text())
    info = read_info(shipped)
    if (meta["name"], meta["version"]) != (info.name, info.version):
        raise ValueError(f"{weights} holds {meta['name']}@{meta['version']}, {shipped} is {info.tag}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    export_fp32(model, out / "model.fp32.onnx", opset=opset)
    worst = parity(model, out / "model.fp32.onnx", pad_id=info.pad_id)
    if worst > PARITY_TOL:
        raise ValueError(f"fp32 graph from {weights} differs from torch by {worst:.2e} (> {PARITY_TOL})")
    model_json = {**info.raw, "graphs": {"fp32": "model.fp32.onnx"}, "default_graph": "fp32",
                  "rebuilt_from": {"weights": str(weights), "weights_manifest_sha256":
                                   sha256_file(weights / "manifest.json"), "parity_max_abs_diff_fp32": worst}}
    (out / "model.json").write_text(json.dumps(model_json, ensure_ascii=False, indent=1) + "\n")
    shutil.copyfile(shipped / "tokenizer.json", out / "tokenizer.json")
    write_manifest(out)
    return model_json["rebuilt_from"]
