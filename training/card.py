"""The final report of an export: test split and out-of-style set, model beside both baselines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from inference.metrics import label_matrix
from inference.scorer import Scorer
from inference.taxonomy import LABELS
from training.baselines import TfidfLogReg, lf_vote
from training.config import FitConfig
from training.corpus import data_config, gold_split, outofstyle
from training.report import (
    evaluate,
    f1_table,
    plot_confusion,
    plot_histograms,
    plot_pr,
    plot_reliability,
    prf_table,
    worst_errors,
)
from training.run import train_records
from training.thresholds import apply

SETS = ("test", "outofstyle")
SET_NAMES = {"test": "test split", "outofstyle": "out-of-style set"}


def _eval_sets(cfg: FitConfig) -> dict[str, list]:
    data = data_config(cfg.data_config)
    # The one place the test split is read: the final report of an exported model.
    return {"test": gold_split(data, "test", allow_test=True), "outofstyle": outofstyle(data)}


def previous_model(previous: Path, sets: dict[str, list]) -> dict[str, Any]:
    """Another model directory scored on the same evaluation sets, with its own thresholds."""
    scorer = Scorer(previous)
    out: dict[str, Any] = {"model": scorer.info.tag}
    for name, recs in sets.items():
        y = label_matrix([r.labels for r in recs], LABELS)
        s = scorer.score([r.text for r in recs], [r.context for r in recs]).probs
        out[name] = evaluate(y, apply(s, scorer.info.thresholds, LABELS), s)
    return out


def build_report(cfg: FitConfig, out: Path, gate: dict[str, Any], *, compare: dict[str, Path],
                 previous: Path | None = None) -> list[Path]:
    """Write `<out>/report/{card.md, metrics.json, plots/*.png}`; return the written files."""
    data = data_config(cfg.data_config)
    sets = _eval_sets(cfg)
    scorer = Scorer(out, graph=gate["graph"], verify_files=False)
    thresholds = gate["thresholds"]
    tfidf = TfidfLogReg(seed=cfg.train.seed).fit(train_records(cfg)).tune(gold_split(data, "dev"), cfg.thresholds)
    metrics: dict[str, Any] = {"model": {}, "lf_vote": {}, "tfidf_lr": {}}
    curves, errors = {}, {}
    rep = out / "report"
    (rep / "plots").mkdir(parents=True, exist_ok=True)
    for name, recs in sets.items():
        y = label_matrix([r.labels for r in recs], LABELS)
        s = scorer.score([r.text for r in recs], [r.context for r in recs]).probs
        pred = apply(s, thresholds, LABELS)
        metrics["model"][name] = evaluate(y, pred, s)
        metrics["lf_vote"][name] = evaluate(y, lf_vote(recs), None)
        t_pred, t_scores = tfidf.predict(recs)
        metrics["tfidf_lr"][name] = evaluate(y, t_pred, t_scores)
        curves[name] = {"model": (y, s), "tfidf_lr": (y, t_scores)}
        errors[name] = worst_errors(recs, y, s, thresholds)
        plot_pr(curves[name], f"Precision-recall, {SET_NAMES[name]}", rep / "plots" / f"pr_{name}.png")
        plot_confusion(np.array(metrics["model"][name]["confusion"]), f"Label confusion, {SET_NAMES[name]}",
                       rep / "plots" / f"confusion_{name}.png")
        plot_histograms(y, s, thresholds, f"Scores by gold label, {SET_NAMES[name]}",
                        rep / "plots" / f"scores_{name}.png")
        plot_reliability(y, s, f"Reliability, {SET_NAMES[name]}", rep / "plots" / f"reliability_{name}.png")
    if previous is not None:
        metrics["previous"] = previous_model(previous, sets)
    if cfg.distill is not None:
        metrics["teacher"] = previous_model(cfg.distill.teacher, sets)
    metrics.update(gate=gate, thresholds=thresholds, tfidf_thresholds=tfidf.thresholds,
                   compare={k: json.loads((v / "export" / "report" / "metrics.json").read_text())["summary"]
                            for k, v in compare.items()})
    metrics["summary"] = {"use_context": cfg.train.use_context, "dev_macro_f1": gate["dev_macro_f1_shipped"],
                          **{f"{name}_macro_f1": metrics["model"][name]["per_label"]["macro"]["f1"] for name in SETS}}
    (rep / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n")
    (rep / "errors.json").write_text(json.dumps(errors, ensure_ascii=False, indent=1) + "\n")
    (rep / "card.md").write_text(render_card(cfg, metrics, errors, out), encoding="utf-8")
    return sorted(p for p in rep.rglob("*") if p.is_file())


def render_card(cfg: FitConfig, m: dict[str, Any], errors: dict[str, list], out: Path) -> str:
    info = json.loads((out / "model.json").read_text())
    tr, gate = info["training"], m["gate"]
    systems = {"model": m["model"], "LF vote": m["lf_vote"], "TF-IDF+LR": m["tfidf_lr"]}
    if "previous" in m:
        systems[f"previous ({m['previous']['model']})"] = {k: m["previous"][k] for k in SETS}
    if "teacher" in m:
        systems[f"teacher ({m['teacher']['model']})"] = {k: m["teacher"][k] for k in SETS}
    lines = [
        f"# {cfg.name} {cfg.version}", "",
        "Multi-label classifier of merchant after-sales texts for the five labels of taxonomy v1 "
        "(`meaningless`, `deflection`, `unilateral_change`, `extra_charge`, `commitment`). "
        f"Base: `{info['base_model']}` (multilingual-e5-small, MIT, vocabulary pruned); mean pooling; "
        f"text{' + consumer context as the second segment' if cfg.train.use_context else ' only'}; "
        f"max {cfg.train.max_length} tokens; prefix `{cfg.train.prefix}`.", "",
        f"Trained on {tr['train_records']} records (gold train split"
        f"{' plus augmented copies' if cfg.train.augment else ''}), best epoch "
        f"{tr['best_epoch']}, {tr['seconds'] / 60:.1f} minutes on {tr['hardware']}. Data manifest sha256 "
        f"`{info['data_manifest_sha256'][:16]}…`. Shipped graph: `{gate['graph']}`.", "",
        "## Macro- and per-label F1, model beside the baselines", "",
        "All figures from the shipped graph through the inference room's scorer; thresholds chosen on dev. "
        "The test split is used here and nowhere else; the out-of-style set is text in styles the "
        "training data does not contain (chat logs, letters, dialect, installers, English, "
        "phone transcripts, slang).", "",
        *f1_table(systems, SETS), "",
    ]
    if "teacher" in m:
        lines += [*distill_section(cfg, m), ""]
    for name in SETS:
        lines += [f"## Model on the {SET_NAMES[name]} ({m['model'][name]['size']} texts)", "",
                  *prf_table(m["model"][name]), "",
                  "ECE per label: " + ", ".join(f"{k} {v:.3f}" for k, v in m["model"][name]["ece"].items()), "",
                  f"![PR curves](plots/pr_{name}.png)", f"![Label confusion](plots/confusion_{name}.png)",
                  f"![Score histograms](plots/scores_{name}.png)", f"![Reliability](plots/reliability_{name}.png)", ""]
    lines += ["## Thresholds (chosen on dev, strategy `%s`)" % cfg.thresholds.strategy, "",
              "| label | threshold |", "|---|---:|", *[f"| {k} | {v:.3f} |" for k, v in m["thresholds"].items()], "",
              "Override at scoring time: `--threshold deflection=0.7`.", "",
              "## Export checks", "",
              f"- ONNX fp32 vs torch: max |diff| {info['parity_max_abs_diff_fp32']:.2e} on batch sizes and "
              "lengths unlike the export's (tolerance 1e-4).",
              f"- {gate['graph']} vs fp32 decisions on dev labels: {100 * gate['dev_agreement_with_fp32']:.2f}% agree "
              f"(required {100 * cfg.export.min_int8_agreement:.0f}%).",
              f"- Dev macro-F1: fp32 {gate['dev_macro_f1_fp32']:.4f}, shipped {gate['dev_macro_f1_shipped']:.4f} "
              f"(loss {gate['dev_f1_loss']:+.4f}).", ""]
    if m["compare"]:
        lines += ["## Compared runs", "", "| run | context | dev macro-F1 | test macro-F1 | out-of-style macro-F1 |",
                  "|---|---|---:|---:|---:|",
                  f"| this model | {cfg.train.use_context} | {m['summary']['dev_macro_f1']:.4f} | "
                  f"{m['summary']['test_macro_f1']:.4f} | {m['summary']['outofstyle_macro_f1']:.4f} |"]
        for name, s in m["compare"].items():
            lines.append(f"| {name} | {s['use_context']} | {s['dev_macro_f1']:.4f} | {s['test_macro_f1']:.4f} | "
                         f"{s['outofstyle_macro_f1']:.4f} |")
        lines.append("")
    for name in SETS:
        lines += [f"## The 20 worst errors, {SET_NAMES[name]}", "",
                  "| id | text | context | gold | predicted |", "|---|---|---|---|---|"]
        for e in errors[name]:
            text = e["text"].replace("|", "\\|").replace("\n", " ")[:90]
            ctx = (e["context"] or "").replace("|", "\\|").replace("\n", " ")[:40]
            lines.append(f"| {e['id']} | {text} | {ctx} | {', '.join(e['gold']) or '-'} | "
                         f"{', '.join(e['predicted']) or '-'} |")
        lines.append("")
    return "\n".join(lines)


def distill_section(cfg: FitConfig, m: dict[str, Any]) -> list[str]:
    """What the student gives up against its teacher, set by set: the reason to pick one or the other."""
    d = cfg.distill
    kept = json.loads((cfg.run_dir / "student_base" / "student.json").read_text())["layers"]
    source = f"layers {[x + 1 for x in kept]} of `{d.init or cfg.base_model}`"
    loss = {k: 100 * (m["teacher"][k]["per_label"]["macro"]["f1"] - m["model"][k]["per_label"]["macro"]["f1"])
            for k in SETS}
    return ["## Distillation", "",
            f"A {d.layers}-layer student cut from {source}, trained on the scores of `{m['teacher']['model']}`"
            + (f" and pulled towards its hidden states (weight {d.hidden_weight})" if d.hidden_weight else "") + ". "
            + "Macro-F1 against the teacher: "
            + ", ".join(f"{SET_NAMES[k]} {-loss[k]:+.1f} points" for k in SETS) + ". "
            + "The out-of-style figure is the one to weigh before using the student on text unlike "
            "the training data. Speed: `python benchmarks/fast_model.py --fast <this directory>`."]
