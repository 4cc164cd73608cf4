"""The fine-tuned weights directory: written from a run, verified on load, usable as a base,
as a distillation source, and to rebuild the fp32 ONNX reference."""

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from inference.errors import UsageError  # noqa: E402
from training.config import DistillConfig, FitConfig  # noqa: E402


@pytest.fixture
def weights(tiny_run: FitConfig) -> tuple[FitConfig, Path]:
    from training.run import train_run
    from training.weights import weights_from_run

    cfg = tiny_run.model_copy(update={"name": "tiny", "version": "0.0.1", "export": tiny_run.export.model_copy(
        update={"weights_dir": Path("models/tiny-weights")})})
    train_run(cfg)
    weights_from_run(cfg)
    return cfg, cfg.export.weights_dir


def _logits(model, text_ids: list[list[int]]):
    from training.data import pad

    ids, mask = pad(text_ids, 1)
    with torch.no_grad():
        return model.eval()(ids, mask)


def test_weights_reload_as_the_trained_classifier(weights) -> None:
    from training.fit import build_model, load_weights
    from training.weights import CLASSIFIER, load_classifier, load_state

    cfg, path = weights
    trained = build_model(cfg)
    load_weights(trained, cfg.run_dir / "best")
    meta = json.loads((path / CLASSIFIER).read_text())
    assert meta["labels"][0] == "meaningless" and meta["max_length"] == 48 and meta["fp16_checked_texts"] > 0
    assert 0 < meta["fp16_max_abs_prob_diff"] < 1e-2
    ids = [[0, 5, 6, 7, 2], [0, 9, 2]]
    reloaded = load_classifier(path)
    assert torch.allclose(torch.sigmoid(_logits(trained, ids)), torch.sigmoid(_logits(reloaded, ids)), atol=1e-2)
    stored = {k: v.dtype for k, v in load_state(path).items()}
    assert stored["encoder.layer.0.attention.self.query.weight"] == torch.float16
    assert stored["encoder.layer.0.attention.self.query.bias"] == torch.float32


def test_weights_as_base_model_keep_the_head(weights) -> None:
    from training.fit import build_model
    from training.weights import load_classifier

    cfg, path = weights
    continued = build_model(cfg.model_copy(update={"base_model": path}))
    ids = [[0, 5, 6, 7, 2]]
    assert torch.allclose(_logits(continued, ids), _logits(load_classifier(path), ids), atol=1e-6)


def test_tampered_weights_are_refused(weights) -> None:
    from training.weights import load_classifier

    _, path = weights
    (path / "head.safetensors").write_bytes((path / "head.safetensors").read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(UsageError, match="head.safetensors does not match its sha256"):
        load_classifier(path)


def test_student_is_cut_from_the_teachers_layers(weights, tiny_model_dir: Path) -> None:
    from training.run import with_student_base
    from training.weights import load_state

    cfg, path = weights
    student_cfg = with_student_base(cfg.model_copy(update={
        "run_dir": Path("runs/student"), "distill": DistillConfig(teacher=tiny_model_dir, init=path, layers=1)}))
    student = student_cfg.base_model
    assert json.loads((student / "student.json").read_text())["layers"] == [1]    # the last of 2
    s, t = load_state(student), load_state(path)
    assert "encoder.layer.1.output.dense.weight" not in s
    assert torch.equal(s["encoder.layer.0.output.dense.weight"], t["encoder.layer.1.output.dense.weight"])
    assert (student / "head.safetensors").read_bytes() == (path / "head.safetensors").read_bytes()


def test_source_layers_spread_and_validate() -> None:
    assert DistillConfig(layers=4).source_layers(12) == [2, 5, 8, 11]
    assert DistillConfig(layers=3, layer_map=[0, 1, 2]).source_layers(12) == [0, 1, 2]
    with pytest.raises(ValueError, match="exceed"):
        DistillConfig(layers=6).source_layers(4)
    with pytest.raises(ValueError, match="layer_map must list 2"):
        DistillConfig(layers=2, layer_map=[3, 1])
    with pytest.raises(ValueError, match="names layer 12"):
        DistillConfig(layers=2, layer_map=[3, 12]).source_layers(12)


def test_fp32_reference_rebuilt_from_weights(weights, tiny_model_dir: Path, tmp_path: Path) -> None:
    from inference.model_dir import write_manifest
    from inference.scorer import Scorer
    from training.weights import fp32_model_dir

    _, path = weights
    facts = fp32_model_dir(path, tiny_model_dir, tmp_path / "fp32")
    assert facts["parity_max_abs_diff_fp32"] <= 1e-4
    scorer = Scorer(tmp_path / "fp32")                      # verified against its manifest
    assert scorer.graph == "fp32" and scorer.info.thresholds == Scorer(tiny_model_dir).info.thresholds
    other = json.loads((path / "classifier.json").read_text())
    other["version"] = "9.9.9"
    (path / "classifier.json").write_text(json.dumps(other))
    write_manifest(path)
    with pytest.raises(ValueError, match="holds tiny@9.9.9"):
        fp32_model_dir(path, tiny_model_dir, tmp_path / "fp32b")


def test_hidden_state_loss_is_zero_only_for_the_teacher_itself(weights) -> None:
    from training.distill import HiddenStateLoss
    from training.weights import load_classifier

    _, path = weights
    ids, mask = torch.tensor([[0, 5, 6, 7, 2], [0, 9, 2, 1, 1]]), torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    y, bce = torch.full((2, 5), 0.5), torch.nn.BCEWithLogitsLoss()
    teacher, student = load_classifier(path), load_classifier(path)
    plain = bce(student(ids, mask), y)
    same = HiddenStateLoss(teacher.encoder, [0, 1], weight=1.0)(student, ids, mask, y, bce)
    assert same.item() == pytest.approx(plain.item(), abs=1e-6)
    shifted = HiddenStateLoss(teacher.encoder, [1, 1], weight=1.0)(student, ids, mask, y, bce)
    assert shifted.item() > plain.item()
    shifted.backward()
    assert student.encoder.encoder.layer[0].output.dense.weight.grad.abs().sum() > 0


def test_distillation_with_hidden_states_runs_and_reports_against_the_teacher(weights, tiny_model_dir: Path) -> None:
    from training.card import build_report
    from training.corpus import data_config, gold_split
    from training.package import build_export, int8_gate
    from training.run import train_run

    cfg, path = weights
    run = cfg.model_copy(update={"run_dir": Path("runs/student-h"), "train": cfg.train.model_copy(update={"epochs": 1}),
                                 "distill": DistillConfig(teacher=tiny_model_dir, init=path, layers=1,
                                                          hidden_weight=1.0)})
    assert len(train_run(run)["history"]) == 1
    exported = build_export(run)
    gate = int8_gate(exported["dir"], gold_split(data_config(run.data_config), "dev"), run)
    build_report(run, exported["dir"], gate, compare={})
    card = (exported["dir"] / "report" / "card.md").read_text()
    assert "teacher (tiny@0.0.1) · outofstyle" in card
    assert "## Distillation" in card and "layers [2] of" in card and "hidden states (weight 1.0)" in card
    with pytest.raises(ValueError, match="hidden_weight needs init"):
        DistillConfig(hidden_weight=1.0)


def test_large_states_are_sharded_and_load_back(weights, tmp_path: Path) -> None:
    from training.encoder import load_encoder
    from training.weights import INDEX, load_state, save_state

    _, path = weights
    state = load_state(path)
    out = tmp_path / "sharded"
    out.mkdir()
    save_state(state, out, shard_bytes=20_000)
    shards = sorted(out.glob("model-*.safetensors"))
    assert len(shards) > 1 and (out / INDEX).exists() and not (out / "model.safetensors").exists()
    assert all(f.stat().st_size < 20_000 + 10_000 for f in shards)
    back = load_state(out)
    assert back.keys() == state.keys() and all(torch.equal(back[k], state[k]) for k in state)
    (out / "config.json").write_bytes((path / "config.json").read_bytes())
    encoder = load_encoder(out)                          # transformers reads the sharded layout too
    assert torch.equal(encoder.state_dict()["encoder.layer.1.output.dense.weight"],
                       state["encoder.layer.1.output.dense.weight"].float())
