"""`aftersales label …`: the labeling room's commands.

Heavy imports (jieba, zhconv, matplotlib) happen inside the commands, so
`aftersales --help` stays fast and works without the `label` extra.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from inference.config import load_config, save_resolved
from inference.errors import UsageError
from labeling.config import DataConfig

app = typer.Typer(help="Gold data: check it, split it, run the labeling functions, augment it.",
                  no_args_is_help=True)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="Data config (YAML).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", "-s", metavar="KEY=VALUE",
                                                  help="Override a config key, e.g. --set split.dev=0.2.")]
DEFAULT_CONFIG = Path("configs/data.yaml")


def _config(path: Path, overrides: list[str] | None) -> DataConfig:
    return load_config(DataConfig, path, overrides or [])


def _gold(cfg: DataConfig, path: Path, max_chars: int):
    """Load a gold message file that must be clean (run `label check` for the full list)."""
    from labeling.gold import load_records, parse_gold_message

    rows, bad = load_records(path, lambda obj: parse_gold_message(obj, max_chars=max_chars))
    if bad:
        raise UsageError(f"{len(bad)} bad records, first: {bad[0]} (run `aftersales label check`)")
    return [rec for _, rec in rows]


@app.command()
def check(config: ConfigOpt = DEFAULT_CONFIG, set_: SetOpt = None) -> None:
    """Verify every gold file against the taxonomy and the split manifest; print counts.

    Exits 1 and lists every problem (file, line, record, field) when any is found.
    """
    from labeling.check import format_report, run_check

    report = run_check(_config(config, set_))
    typer.echo(format_report(report))
    if not report.ok:
        for err in report.errors[:200]:
            typer.echo(f"error: {err}", err=True)
        more = len(report.errors) - 200
        typer.echo(f"{len(report.errors)} problems" + (f" ({more} not shown)" if more > 0 else ""), err=True)
        raise typer.Exit(1)
    typer.echo("label check: OK")


@app.command()
def split(config: ConfigOpt = DEFAULT_CONFIG, set_: SetOpt = None) -> None:
    """Assign every gold message to train/dev/test by the hash of its text; freeze the manifest."""
    from labeling.splits import build_manifest, write_manifest

    cfg = _config(config, set_)
    records = _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)
    files = {p.name: p for p in (cfg.paths.messages, cfg.paths.outofstyle, cfg.paths.tickets,
                                  cfg.paths.tickets_heldout, cfg.paths.store_months) if p.exists()}
    manifest = build_manifest(records, cfg.split, files)
    write_manifest(manifest, cfg.paths.splits)
    counts = {s: c["records"] for s, c in manifest["counts"].items()}
    typer.echo(f"wrote {cfg.paths.splits}: {counts}")


def _split_records(cfg: DataConfig, *names: str):
    from labeling.splits import read_manifest, split_ids

    manifest = read_manifest(cfg.paths.splits)
    records = _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)
    out = []
    for name in names:
        ids = split_ids(manifest, name)
        out.append([r for r in records if r.id in ids])
    return out


@app.command("lf-report")
def lf_report(config: ConfigOpt = DEFAULT_CONFIG, set_: SetOpt = None,
              output_dir: Annotated[Path, typer.Option(help="Where lf_report.md/.json go.")] = Path("labeling/reports")
              ) -> None:
    """Score every labeling function on the gold data (train+dev) and the vote on dev and out-of-style."""
    from labeling.lf_report import build_report, render_markdown

    cfg = _config(config, set_)
    train, dev = _split_records(cfg, "train", "dev")
    oos = _gold(cfg, cfg.paths.outofstyle, cfg.limits.outofstyle_max_chars) if cfg.paths.outofstyle.exists() else []
    report = build_report(train + dev, dev, oos, progress=sys.stderr.isatty())
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "lf_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
    md = output_dir / "lf_report.md"
    md.write_text(render_markdown(report), encoding="utf-8")
    save_resolved(cfg, md)
    typer.echo(render_markdown(report))


@app.command()
def augment(config: ConfigOpt = DEFAULT_CONFIG, set_: SetOpt = None,
            output: Annotated[Path, typer.Option(help="JSONL of augmented train records.")] =
            Path("build/data/train_augmented.jsonl")) -> None:
    """Write noisy copies of the train split (never dev or test), deterministic for a seed."""
    from tqdm import tqdm

    from labeling.augment import augment_records

    cfg = _config(config, set_)
    (train,) = _split_records(cfg, "train")
    output.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(output, "w", encoding="utf-8") as fh:
        records = tqdm(train, desc="augment", unit="text", disable=not sys.stderr.isatty())
        for rec in augment_records(records, cfg.augment, train_ids={r.id for r in train}):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    save_resolved(cfg, output)
    typer.echo(f"wrote {n} augmented records from {len(train)} train records to {output}")


@app.command()
def weak(input: Annotated[Path, typer.Option("--input", "-i", help="Message JSONL (id, text, context?).")],
         output: Annotated[Path, typer.Option("--output", "-o", help="Message JSONL with weak `labels`.")]) -> None:
    """Label unlabeled messages by majority vote of the labeling functions.

    Bad records go to `<output>.errors.jsonl` with their line and field; the rest are labelled.
    """
    from inference.errors import RecordError
    from inference.jsonl import iter_jsonl
    from inference.records import parse_message
    from labeling.vote import labels_of, majority_vote, vote_matrix

    output.parent.mkdir(parents=True, exist_ok=True)
    errors_path = output.with_name(output.name + ".errors.jsonl")
    n_ok = n_bad = 0
    with open(input, "rb") as src, open(output, "w", encoding="utf-8") as out, \
            open(errors_path, "w", encoding="utf-8") as errs:
        for line, obj in iter_jsonl(src, source=str(input)):
            try:
                if isinstance(obj, RecordError):
                    raise obj
                msg = parse_message(obj)
            except RecordError as err:
                errs.write(json.dumps(err.located(line=line).as_dict(), ensure_ascii=False) + "\n")
                n_bad += 1
                continue
            row = majority_vote(vote_matrix([(msg.text, msg.context)]))[0]
            out.write(json.dumps({**obj, "labels": labels_of(row), "source": "weak:majority_vote"},
                                 ensure_ascii=False) + "\n")
            n_ok += 1
    typer.echo(f"labelled {n_ok} records, {n_bad} bad records in {errors_path}")


@app.command("gate-report")
def gate_report(tickets: Annotated[list[Path] | None, typer.Option("--tickets", help="Gold ticket files "
                                                                   "(default: the data config's).")] = None,
                model: Annotated[Path | None, typer.Option("--model", "-m", help="Also run with this model's "
                                                           "labels (default: the bundled model, if present).")] = None,
                config: ConfigOpt = DEFAULT_CONFIG,
                output: Annotated[Path, typer.Option(help="Markdown report.")] = Path("labeling/reports/gate_report.md")
                ) -> None:
    """Per-code precision and recall of the rule gate on gold tickets, with the annotated text
    labels and with a model's labels."""
    from inference.batch import resolve_model
    from inference.gate_config import load_gate_config
    from inference.scorer import Scorer
    from labeling.gate_eval import evaluate_gate, gold_tickets, render

    cfg = _config(config, None)
    scorer = None
    try:
        scorer = Scorer(resolve_model(model))
    except UsageError:
        if model is not None:
            raise
    parts = []
    for path in tickets or [p for p in (cfg.paths.tickets, cfg.paths.tickets_heldout) if p.exists()]:
        result = evaluate_gate(gold_tickets(path), load_gate_config(), scorer=scorer)
        parts.append(render(result, str(path)))
        for run in ("gold_labels", "model_labels"):
            if run in result and result[run]["mismatches"]:
                parts.append(f"{run} mismatches: {', '.join(result[run]['mismatches'])}\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(parts), encoding="utf-8")
    typer.echo("\n".join(parts))
