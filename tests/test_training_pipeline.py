"""Fine-tune, crash, resume, export, report and ship a tiny model on a tiny gold set."""

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from inference.errors import UsageError  # noqa: E402
from training.config import FitConfig  # noqa: E402


def _weights(run: Path) -> dict:
    from safetensors.torch import load_file
    return load_file(str(run / "last" / "model.safetensors"))


def test_resume_after_crash_gives_the_same_model(tiny_run: FitConfig, monkeypatch) -> None:
    import training.fit as fit_mod
    from training.run import train_run

    straight = tiny_run.model_copy(update={"run_dir": Path("runs/straight")})
    train_run(straight)

    real = fit_mod.dev_score
    calls = {"n": 0}

    def crash_in_second_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(fit_mod, "dev_score", crash_in_second_epoch)
    with pytest.raises(RuntimeError, match="killed"):
        train_run(tiny_run)
    assert json.loads((tiny_run.run_dir / "last" / "state.json").read_text())["epoch"] == 1
    monkeypatch.setattr(fit_mod, "dev_score", real)
    summary = train_run(tiny_run, resume=True)
    assert [h["epoch"] for h in summary["history"]] == [1, 2]
    a, b = _weights(straight.run_dir), _weights(tiny_run.run_dir)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_export_report_and_ship(tiny_run: FitConfig) -> None:
    from inference.model_dir import verify
    from inference.scorer import Scorer
    from training.card import build_report
    from training.corpus import data_config, gold_split
    from training.package import build_export, int8_gate, ship
    from training.run import train_run

    train_run(tiny_run)
    exported = build_export(tiny_run)
    assert exported["parity"] <= 1e-4
    dev = gold_split(data_config(tiny_run.data_config), "dev")
    gate = int8_gate(exported["dir"], dev, tiny_run)
    assert 0 <= gate["dev_agreement_with_fp32"] <= 1 and set(gate["thresholds"]) == {
        "meaningless", "deflection", "unilateral_change", "extra_charge", "commitment"}
    files = build_report(tiny_run, exported["dir"], gate, compare={})
    names = {p.name for p in files}
    assert {"card.md", "metrics.json", "pr_test.png", "confusion_outofstyle.png", "scores_test.png"} <= names
    metrics = json.loads((exported["dir"] / "report" / "metrics.json").read_text())
    assert set(metrics) >= {"model", "lf_vote", "tfidf_lr"} and "outofstyle" in metrics["tfidf_lr"]
    dest = ship(tiny_run, exported["dir"], gate, files)
    assert not (dest / "model.fp32.onnx").exists() and (dest / "model.int8.onnx").exists()
    model_json = json.loads((dest / "model.json").read_text())
    assert model_json["graphs"] == {"int8": "model.int8.onnx"} and model_json["thresholds"] == gate["thresholds"]

    scores = Scorer(dest).score(["好的", "请联系在线客服"], ["我要退货", None])
    assert scores.probs.shape == (2, 5) and ((scores.probs >= 0) & (scores.probs <= 1)).all()

    card = (dest / "card.md").read_text()
    assert "out-of-style" in card and "TF-IDF+LR" in card and "LF vote" in card
    (dest / "tokenizer.json").write_text((dest / "tokenizer.json").read_text() + " ")
    with pytest.raises(UsageError, match="tokenizer.json does not match its sha256"):
        verify(dest)


def test_scorer_matches_torch_on_pairs_and_padding(tiny_run: FitConfig) -> None:
    """The inference room's scorer (tokenizers + onnxruntime) reproduces training-time preprocessing."""
    from transformers import AutoTokenizer

    from inference.scorer import Scorer
    from training.fit import build_model, load_weights
    from training.package import build_export
    from training.run import train_run

    train_run(tiny_run)
    out = build_export(tiny_run)["dir"]
    texts, contexts = ["好的", "亲亲您好，请联系在线客服处理哦", "已帮您改为换货"], ["我要退货", None, "质量有问题"]
    got = Scorer(out, graph="fp32", verify_files=False).score(texts, contexts).probs
    model = build_model(tiny_run)
    load_weights(model, tiny_run.run_dir / "best")
    model.eval()
    tok = AutoTokenizer.from_pretrained(tiny_run.base_model)
    for i, (t, c) in enumerate(zip(texts, contexts)):
        enc = tok("query: " + t, c, return_tensors="pt") if c else tok("query: " + t, return_tensors="pt")
        with torch.no_grad():
            ref = torch.sigmoid(model(enc["input_ids"], enc["attention_mask"])).numpy()[0]
        np.testing.assert_allclose(got[i], ref, atol=1e-4)


def test_any_local_bert_directory_works_as_base(tiny_run: FitConfig, project: Path) -> None:
    """A base with only vocab.txt and BERT specials, like bert-base-chinese, trains and exports."""
    from inference.scorer import Scorer
    from tests.tiny import write_tiny_bert_vocab_txt
    from training.package import build_export
    from training.run import train_run

    texts = [json.loads(line)["text"] for line in
             (project / "labeling/data/messages.jsonl").read_text(encoding="utf-8").splitlines()]
    base = write_tiny_bert_vocab_txt(project / "bert-base", texts + ["query:我要退货"])
    cfg = tiny_run.model_copy(update={"base_model": base, "run_dir": Path("runs/bert")})
    train_run(cfg)
    out = build_export(cfg)
    assert out["parity"] <= 1e-4
    probs = Scorer(out["dir"], graph="fp32", verify_files=False).score(["好的"], ["我要退货"]).probs
    assert probs.shape == (1, 5)

    from transformers import AutoTokenizer

    from training.weights import load_classifier, weights_from_run
    weights_cfg = cfg.model_copy(update={"export": cfg.export.model_copy(update={"weights_dir": Path("w")})})
    weights_from_run(weights_cfg)                        # the tokenizer is saved from vocab.txt, not copied
    load_classifier(Path("w"))
    saved, original = AutoTokenizer.from_pretrained("w"), AutoTokenizer.from_pretrained(base)
    assert saved("好的", "我要退货")["input_ids"] == original("好的", "我要退货")["input_ids"]


def test_distilled_student_learns_from_teacher_scores(tiny_run: FitConfig, tiny_model_dir: Path) -> None:
    from training.config import DistillConfig
    from training.package import build_export
    from training.run import train_run

    cfg = tiny_run.model_copy(update={"run_dir": Path("runs/student"),
                                      "distill": DistillConfig(teacher=tiny_model_dir, layers=1)})
    summary = train_run(cfg)
    student = json.loads((cfg.run_dir / "student_base" / "config.json").read_text())
    assert student["num_hidden_layers"] == 1
    assert len(summary["history"]) == 2
    assert build_export(cfg)["parity"] <= 1e-4
