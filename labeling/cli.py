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
from inference.errors import RecordError, UsageError
from labeling.config import DataConfig

app = typer.Typer(help="Gold data: check it, split it, run the labeling functions, augment it; the labeling loop.",
                  rich_markup_mode="markdown",
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
    from labeling.splits import read_manifest

    cfg = _config(config, set_)
    records = _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)
    files = {p.name: p for p in (cfg.paths.messages, cfg.paths.outofstyle, cfg.paths.tickets,
                                  cfg.paths.tickets_heldout, cfg.paths.store_months) if p.exists()}
    write_split(cfg, records, files)
    manifest = read_manifest(cfg.paths.splits)
    counts = {s: c["records"] for s, c in manifest["counts"].items()}
    typer.echo(f"wrote {cfg.paths.splits}: {counts}")


def write_split(cfg: DataConfig, records, files) -> None:
    """Rebuild splits.json. When anything changed, the data version goes up by one and the
    replaced manifest's sha256 is recorded, so a model card can say which data it saw."""
    from inference.model_dir import sha256_file
    from labeling.splits import build_manifest, read_manifest, write_manifest

    fresh = build_manifest(records, cfg.split, files)
    if cfg.paths.splits.exists():
        previous = read_manifest(cfg.paths.splits)
        if previous["splits"] == fresh["splits"] and previous["files"] == fresh["files"]:
            return
        fresh["data_version"] = previous.get("data_version", 1) + 1
        fresh["previous_sha256"] = sha256_file(cfg.paths.splits)
    write_manifest(fresh, cfg.paths.splits)


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


def _read_rows(path: Path) -> list[dict]:
    from inference.io import format_of, read_records

    rows = []
    for _, obj in read_records(str(path), format_of(str(path))):
        if isinstance(obj, RecordError):
            raise obj
        rows.append(obj)
    return rows


def _write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@app.command("select")
def select_cmd(pool: Annotated[Path, typer.Option(help="Output of `aftersales score` (ids, scores, labels).")],
               messages: Annotated[Path, typer.Option(help="The scored messages (id, text, context), "
                                                           "joined on id for the texts.")],
               output: Annotated[Path, typer.Option("--output", "-o")] = Path("build/labeling/selected.jsonl"),
               n: Annotated[int, typer.Option("-n", help="How many texts to pick.")] = 100,
               model: Annotated[Path | None, typer.Option("--model", "-m", help="Model whose thresholds define "
                                                          "uncertainty (default: the bundled model).")] = None,
               uncertainty_share: Annotated[float, typer.Option(help="Share picked by uncertainty; the rest by "
                                                                     "model/rule disagreement.")] = 0.5) -> None:
    """Pick N texts to label: near the thresholds, or where the model and the labeling functions
    disagree, no two near-duplicates, each with the reason it was picked."""
    from inference.batch import resolve_model
    from inference.model_dir import read_info
    from labeling.select import Candidate, select

    texts = {str(r["id"]): r for r in _read_rows(messages)}
    cands = []
    for row in _read_rows(pool):
        src = texts.get(str(row.get("id")))
        if src is None or "scores" not in row:
            continue
        scores = row["scores"] if isinstance(row["scores"], dict) else json.loads(row["scores"])
        labels = row["labels"] if isinstance(row["labels"], list) else json.loads(row["labels"])
        cands.append(Candidate(str(row["id"]), src["text"], src.get("context"), scores, labels))
    picked = select(cands, n, read_info(resolve_model(model)).thresholds, uncertainty_share=uncertainty_share)
    _write_jsonl(output, picked)
    typer.echo(f"picked {len(picked)} of {len(cands)} texts into {output}")


@app.command("export")
def export_tasks(input: Annotated[Path, typer.Option("--input", "-i", help="Selected texts (from `label select`) "
                                                    "or any JSONL with id, text, context?.")],
                 output: Annotated[Path, typer.Option("--output", "-o", help=".json: Label Studio tasks; "
                                                      ".jsonl: plain records.")] = Path("build/labeling/tasks.json")
                 ) -> None:
    """Write texts for annotation: Label Studio tasks with the model's labels as pre-annotations and
    the context beside the text (plus label_config.xml for the project), or plain JSONL."""
    from labeling.labelstudio import label_config, to_tasks

    rows = _read_rows(input)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix == ".json":
        output.write_text(json.dumps(to_tasks(rows), ensure_ascii=False, indent=1), encoding="utf-8")
        (output.parent / "label_config.xml").write_text(label_config(), encoding="utf-8")
        typer.echo(f"wrote {len(rows)} tasks to {output} and {output.parent / 'label_config.xml'}")
    else:
        _write_jsonl(output, [{k: r[k] for k in ("id", "text", "context", "model_labels", "reason") if k in r}
                              for r in rows])
        typer.echo(f"wrote {len(rows)} records to {output}")


@app.command("import")
def import_tasks(input: Annotated[Path, typer.Option("--input", "-i", help="Label Studio export (.json) or "
                                                    "JSONL with labels.")],
                 output: Annotated[Path, typer.Option("--output", "-o")] = Path("build/labeling/labeled.jsonl")
                 ) -> None:
    """Read annotations back as gold records; every annotation is checked against the taxonomy and
    rejections are written to <output>.rejected.jsonl with their position and reason."""
    from labeling.labelstudio import read_import

    good, bad = read_import(input)
    _write_jsonl(output, good)
    rejected = output.with_name(output.name + ".rejected.jsonl")
    _write_jsonl(rejected, bad)
    for b in bad[:20]:
        typer.echo(f"rejected {input}:{b['line']}: record {b['id']!r}: field {b['field']!r}: {b['error']}", err=True)
    typer.echo(f"imported {len(good)} records into {output}; rejected {len(bad)} (see {rejected})")


@app.command("agree")
def agree_cmd(first: Annotated[Path, typer.Argument(help="Annotator A: JSONL or Label Studio export.")],
              second: Annotated[Path, typer.Argument(help="Annotator B, same texts.")],
              output: Annotated[Path, typer.Option("--output", "-o")] = Path("build/labeling/agreement.json")
              ) -> None:
    """Cohen's kappa per label between two annotators, and the texts they disagree on."""
    from labeling.agree import agreement
    from labeling.labelstudio import read_import

    (a, bad_a), (b, bad_b) = read_import(first), read_import(second)
    if bad_a or bad_b:
        raise UsageError(f"{len(bad_a) + len(bad_b)} annotations rejected; run `label import` on each file first")
    result = agreement({r["id"]: r for r in a}, {r["id"]: r for r in b})
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for label, m in result["per_label"].items():
        typer.echo(f"{label:18} kappa {m['kappa']:.3f}  (agree {m['agree']}, only A {m['first_only']}, "
                   f"only B {m['second_only']})")
    typer.echo(f"{result['common']} texts in common, {len(result['disagreements'])} disagreements in {output}")


@app.command("audit")
def audit_cmd(oof: Annotated[Path, typer.Option(help="Out-of-fold scores from `aftersales train oof`.")],
              config: ConfigOpt = DEFAULT_CONFIG,
              output: Annotated[Path, typer.Option("--output", "-o")] = Path("build/labeling/audit.jsonl"),
              top: Annotated[int, typer.Option(help="How many to print.")] = 20) -> None:
    """Likely label errors in the gold data (confident disagreement with out-of-fold scores, in the
    manner of cleanlab), most suspicious first, as a review list."""
    from labeling.audit import label_issues

    cfg = _config(config, None)
    records = {r.id: r.as_json() for r in _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)}
    issues = label_issues(_read_rows(oof), records)
    _write_jsonl(output, issues)
    for i in issues[:top]:
        typer.echo(f"{i['id']:10} {i['suggestion']:32} score {i['score']:.3f} (threshold {i['threshold']:.3f})  "
                   f"{(i['text'] or '')[:50]}")
    typer.echo(f"{len(issues)} likely label issues in {output}")


@app.command("add")
def add_cmd(labeled: Annotated[Path, typer.Argument(help="Gold records to add (from `label import`).")],
            config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Add newly labeled records to the gold messages (a record with an existing id replaces its
    labels) and rebuild the splits: new texts join a split by the same stable hash, and the
    manifest's data version goes up."""
    from labeling.gold import parse_gold_message

    cfg = _config(config, None)
    current = {r.id: r.as_json() for r in _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)}
    added = replaced = 0
    for line, obj in enumerate(_read_rows(labeled), start=1):
        try:
            rec = parse_gold_message(obj, max_chars=cfg.limits.gold_max_chars).as_json()
        except RecordError as err:
            raise err.located(line=line, source=str(labeled)) from None
        replaced += rec["id"] in current
        added += rec["id"] not in current
        current[rec["id"]] = {**current.get(rec["id"], {}), **rec}
    _write_jsonl(cfg.paths.messages, current.values())
    records = _gold(cfg, cfg.paths.messages, cfg.limits.gold_max_chars)
    files = {p.name: p for p in (cfg.paths.messages, cfg.paths.outofstyle, cfg.paths.tickets,
                                  cfg.paths.tickets_heldout, cfg.paths.store_months) if p.exists()}
    write_split(cfg, records, files)
    typer.echo(f"added {added}, relabelled {replaced}; {cfg.paths.splits} rebuilt")
