"""`aftersales export`: from a training run to a verified model directory.

Steps: fp32 ONNX (parity with torch within 1e-4 on shapes the export never
saw), INT8 copy, thresholds chosen on dev from the shipped graph's scores,
the INT8 gate (decision agreement with fp32 on dev and macro-F1 loss), then
the final report on the test split and the out-of-style set through the
inference room's scorer, beside both baselines, and the sha256 manifest.
The full export (both graphs) stays in `<run_dir>/export`; the model
directory gets everything but the fp32 graph.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from inference.config import resolved_yaml
from inference.errors import UsageError
from inference.metrics import label_matrix, per_label
from inference.model_dir import MODEL_FORMAT, write_manifest
from inference.scorer import Scorer
from inference.taxonomy import LABELS
from training.config import FitConfig
from training.run import tokenizer_for, with_student_base
from training.thresholds import apply, choose_thresholds

PARITY_TOL = 1e-4


def _model_json(cfg: FitConfig, thresholds: dict[str, float], graphs: dict[str, str], extra: dict) -> dict:
    return {"format_version": MODEL_FORMAT, "name": cfg.name, "version": cfg.version, "labels": list(LABELS),
            "thresholds": thresholds, "max_length": cfg.train.max_length, "prefix": cfg.train.prefix,
            "use_context": cfg.train.use_context, "graphs": graphs,
            "default_graph": "int8" if "int8" in graphs else "fp32", **extra}


def _score(scorer: Scorer, records) -> np.ndarray:
    return scorer.score([r.text for r in records], [r.context for r in records]).probs


def build_export(cfg: FitConfig) -> dict[str, Any]:
    """Write `<run_dir>/export` (both graphs) and return the export facts."""
    from training.export import export_fp32, parity, quantize_int8
    from training.fit import build_model, load_weights

    cfg = with_student_base(cfg)
    fit_info = json.loads((cfg.run_dir / "fit.json").read_text())
    model = build_model(cfg)
    load_weights(model, cfg.run_dir / "best")
    out = cfg.run_dir / "export"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tokenizer = tokenizer_for(cfg)
    export_fp32(model, out / "model.fp32.onnx", opset=cfg.export.opset)
    worst = parity(model, out / "model.fp32.onnx", pad_id=tokenizer.pad_token_id)
    if worst > PARITY_TOL:
        raise UsageError(f"ONNX fp32 differs from torch by {worst:.2e} (> {PARITY_TOL})")
    graphs = {"fp32": "model.fp32.onnx"}
    if cfg.export.int8:
        quantize_int8(out / "model.fp32.onnx", out / "model.int8.onnx")
        graphs["int8"] = "model.int8.onnx"
    # Written from the loaded tokenizer, so a base that ships only vocab.txt (bert-base-chinese) works too.
    tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    info = {"base_model": str(cfg.base_model), "data_manifest_sha256": fit_info["data_manifest_sha256"],
            "pad_id": tokenizer.pad_token_id,
            "training": {k: fit_info[k] for k in ("best_epoch", "seconds", "hardware", "train_records")},
            "parity_max_abs_diff_fp32": worst}
    (out / "model.json").write_text(json.dumps(_model_json(cfg, fit_info["thresholds"], graphs, info), indent=1))
    return {"dir": out, "parity": worst}


def int8_gate(out: Path, dev, cfg: FitConfig) -> dict[str, Any]:
    """Thresholds from the shipped graph on dev; INT8 vs fp32 agreement and F1 loss."""
    y = label_matrix([r.labels for r in dev], LABELS)
    fp32 = _score(Scorer(out, graph="fp32", verify_files=False), dev)
    shipped = "int8" if cfg.export.int8 else "fp32"
    s = _score(Scorer(out, graph=shipped, verify_files=False), dev) if shipped == "int8" else fp32
    thresholds = choose_thresholds(y, s, LABELS, cfg.thresholds)
    fp32_t = choose_thresholds(y, fp32, LABELS, cfg.thresholds)
    agreement = float((apply(s, thresholds, LABELS) == apply(fp32, thresholds, LABELS)).mean())
    f1_fp32 = per_label(y, apply(fp32, fp32_t, LABELS), LABELS)["macro"]["f1"]
    f1_ship = per_label(y, apply(s, thresholds, LABELS), LABELS)["macro"]["f1"]
    from inference.drift import reference_of

    lengths = [len(r.text) for r in dev]
    gate = {"graph": shipped, "thresholds": thresholds, "dev_agreement_with_fp32": agreement,
            "reference": reference_of(s, lengths, LABELS),
            "dev_macro_f1_fp32": f1_fp32, "dev_macro_f1_shipped": f1_ship, "dev_f1_loss": f1_fp32 - f1_ship}
    if shipped == "int8" and (agreement < cfg.export.min_int8_agreement
                              or gate["dev_f1_loss"] > cfg.export.max_int8_f1_loss):
        raise UsageError(f"INT8 graph refused: dev agreement {agreement:.4f} (need {cfg.export.min_int8_agreement}), "
                         f"macro-F1 loss {gate['dev_f1_loss']:.4f} (max {cfg.export.max_int8_f1_loss})")
    return gate


def ship(cfg: FitConfig, out: Path, gate: dict[str, Any], report_files: list[Path]) -> Path:
    """Copy the shipped files into model_dir, write the resolved config and the manifest."""
    dest = cfg.model_dir
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "plots").mkdir(parents=True)
    model_json = json.loads((out / "model.json").read_text())
    graph = gate["graph"]
    model_json["graphs"] = {graph: model_json["graphs"][graph]}
    model_json["default_graph"] = graph
    model_json["thresholds"] = gate["thresholds"]
    model_json["exported"] = time.strftime("%Y-%m-%d")
    (dest / "model.json").write_text(json.dumps(model_json, ensure_ascii=False, indent=1) + "\n")
    (dest / "reference.json").write_text(json.dumps(gate["reference"], indent=1) + "\n")
    for name in ("tokenizer.json", model_json["graphs"][graph]):
        shutil.copyfile(out / name, dest / name)
    for path in report_files:
        shutil.copyfile(path, dest / path.relative_to(out / "report"))
    (dest / "config.yaml").write_text(resolved_yaml(cfg), encoding="utf-8")
    for name in ("base.json", "base_report.json"):          # provenance and pruning checks of the base
        if (cfg.base_model / name).exists():
            shutil.copyfile(cfg.base_model / name, dest / name)
    write_manifest(dest)
    Scorer(dest)                        # loads only if every file matches the manifest
    return dest
