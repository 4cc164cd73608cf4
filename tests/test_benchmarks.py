"""The throughput benchmark runs end to end (on a tiny model, a few texts) and ends with its JSON figures."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


def _int8_copy(model_dir: Path, out: Path) -> Path:
    """The tiny fp32 model directory shipped as INT8, as the default model is."""
    from inference.model_dir import write_manifest
    from training.export import quantize_int8

    out.mkdir()
    quantize_int8(model_dir / "model.fp32.onnx", out / "model.int8.onnx")
    (out / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())
    info = json.loads((model_dir / "model.json").read_text())
    (out / "model.json").write_text(json.dumps({**info, "graphs": {"int8": "model.int8.onnx"}, "default_graph": "int8"}))
    write_manifest(out)
    return out


def test_throughput_benchmark_measures_every_variant(tiny_model_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from tests.conftest import TINY_TEXTS
    from tests.tiny import write_tiny_bert
    from training.config import FitConfig
    from training.encoder import MeanPoolClassifier, load_encoder
    from training.weights import write_weights

    base = write_tiny_bert(tmp_path / "base", TINY_TEXTS + ["query: "])
    model = MeanPoolClassifier(load_encoder(base), 5).eval()
    cfg = FitConfig(name="tiny", version="0.0.1", base_model=base)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    write_weights(model, cfg, tmp_path / "weights", tokenizer=tokenizer, check_ids=[[0, 5, 6, 2]])
    shipped = _int8_copy(tiny_model_dir, tmp_path / "int8")
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks/throughput.py"), "--model", str(shipped),
                          "--weights", str(tmp_path / "weights"), "-n", "60", "--lengths", "8,32",
                          "--work", str(tmp_path / "work")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    for name in ("int8", "fp32", "torch_pipeline"):
        assert figures[f"msgs_per_s_{name}"] > 0 and figures[f"peak_rss_mb_{name}"] > 0
        assert 0 <= figures[f"test_macro_f1_{name}"] <= 1
    assert figures["ratio_int8_vs_torch"] > 0 and figures["ratio_int8_vs_fp32"] > 0
    # the same weights in fp32: ONNX and PyTorch decide alike on the test split
    assert figures["test_macro_f1_fp32"] == pytest.approx(figures["test_macro_f1_torch_pipeline"], abs=0.02)
    assert figures["msgs_per_s_int8_len8"] > 0 and figures["msgs_per_s_int8_len32"] > 0
    assert figures["ratio_grouping"] > 0 and figures["messages"] == 60
