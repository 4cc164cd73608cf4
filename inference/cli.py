"""The `aftersales` command line.

The inference room owns the program; the other rooms plug their command
groups in through the `aftersales.commands` entry-point group, so that this
module never imports `training` or `labeling` (a scoring server installs
neither). Commands raise `UsageError`/`RecordError`; `main` turns them into a
one-line reason and exit code 2.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer

from inference import __version__
from inference.errors import RecordError, UsageError
from inference.limits import CHUNK_RECORDS

HELP = (
    "aftersales-guard: find merchants who mishandle after-sales requests.\n\n"
    "Rooms: `label` (gold data, labeling functions, augmentation), `train` and `export` "
    "(base encoder, fine-tuning, ONNX model directories); a room's commands appear when it is installed."
)

app = typer.Typer(name="aftersales", help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode="markdown",
                  pretty_exceptions_enable=False)


InputOpt = Annotated[str, typer.Option("--input", "-i", help="Records: .jsonl, .csv or .parquet; - for stdin.")]
OutputOpt = Annotated[str, typer.Option("--output", "-o", help="Results: .jsonl, .csv or .parquet; - for stdout.")]
ModelOpt = Annotated[Path | None, typer.Option("--model", "-m", help="Model directory (default: $AFTERSALES_MODEL, "
                                                                      "else the bundled default model).")]
ThresholdOpt = Annotated[list[str] | None, typer.Option("--threshold", "-t", metavar="LABEL=VALUE",
                                                        help="Override a label's threshold for this run.")]
ResumeOpt = Annotated[bool, typer.Option(help="Continue a killed run from its last committed chunk.")]
MaxErrOpt = Annotated[int | None, typer.Option(help="Stop with a non-zero exit once more records than this are bad.")]
ThreadsOpt = Annotated[int | None, typer.Option(help="onnxruntime intra-op threads (default: the cores this "
                                                     "process may use).")]
FormatOpt = Annotated[str | None, typer.Option(help="Input format when the extension does not say (jsonl, csv, "
                                                    "parquet).")]
ErrorsOpt = Annotated[str | None, typer.Option(help="Error file (default: <output>.errors.jsonl).")]
ChunkOpt = Annotated[int, typer.Option(min=1, max=100_000, help="Records per committed chunk. Larger chunks sort "
                                                                 "more texts by length (faster); a crash redoes "
                                                                 "at most one chunk.")]


def _finish(summary) -> None:
    for line in summary.lines():
        typer.echo(line, err=True)


@app.command()
def score(input: InputOpt, output: OutputOpt, model: ModelOpt = None, threshold: ThresholdOpt = None,
          resume: ResumeOpt = False, max_errors: MaxErrOpt = None, threads: ThreadsOpt = None,
          input_format: FormatOpt = None, errors: ErrorsOpt = None, chunk_size: ChunkOpt = CHUNK_RECORDS) -> None:
    """Score merchant texts ({"id", "text", "context"?}) for the five labels.

    Writes {"id", "scores", "labels", "model", "truncated"} plus the input's other fields.
    Bad records go to the error file with their line and field; the job goes on.
    """
    from inference.batch import SCORE_CORE, ScoreJob, parse_thresholds, resolve_model, run_job
    from inference.scorer import Scorer

    job = ScoreJob(Scorer(resolve_model(model), threads=threads), parse_thresholds(threshold))
    _finish(run_job(job, input_path=input, output=output, core=SCORE_CORE, resume=resume, max_errors=max_errors,
                    in_format=input_format, errors_path=errors, desc="score", chunk_size=chunk_size))


@app.command()
def evaluate(input: InputOpt, output: OutputOpt, model: ModelOpt = None, threshold: ThresholdOpt = None,
             gate: Annotated[Path | None, typer.Option(help="Gate config (default: configs/gate.yaml).")] = None,
             resume: ResumeOpt = False, max_errors: MaxErrOpt = None, threads: ThreadsOpt = None,
             input_format: FormatOpt = None, errors: ErrorsOpt = None, chunk_size: ChunkOpt = CHUNK_RECORDS) -> None:
    """Decide violations for after-sales tickets: codes, evidence, measures.

    Every merchant text of a ticket is scored with the consumer's preceding message as
    context (one batched model call per chunk of tickets), then the rule gate decides.
    """
    from inference.batch import DECISION_CORE, EvaluateJob, parse_thresholds, resolve_model, run_job
    from inference.gate_config import load_gate_config
    from inference.scorer import Scorer

    job = EvaluateJob(Scorer(resolve_model(model), threads=threads), parse_thresholds(threshold),
                      load_gate_config(gate))
    _finish(run_job(job, input_path=input, output=output, core=DECISION_CORE, resume=resume,
                    max_errors=max_errors, in_format=input_format, errors_path=errors, desc="evaluate",
                    chunk_size=chunk_size))


@app.command("rank-stores")
def rank_stores(input: InputOpt, output: OutputOpt,
                gate: Annotated[Path | None, typer.Option(help="Gate config (default: configs/gate.yaml).")] = None
                ) -> None:
    """S1: rank store-months ({"id", "shop_id", "month", "peer_group", "after_sales_factor",
    "dispute_factor"}) within their month and peer group; below the bar on either factor is S1."""
    import json as _json

    from inference.gate_config import load_gate_config
    from inference.io import format_of, read_records
    from inference.store_rank import rank_records

    rows = []
    for _, obj in read_records(input, format_of(input)):
        if isinstance(obj, RecordError):
            raise obj
        rows.append(obj)
    try:
        decisions = rank_records(rows, load_gate_config(gate))
    except RecordError as err:
        raise err.located(source=input) from None
    text = "".join(_json.dumps(d, ensure_ascii=False) + "\n" for d in decisions)
    if output == "-":
        typer.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
    flagged = sum(d["violation"] for d in decisions)
    typer.echo(f"store-months: {len(decisions)}, S1_experience_rank: {flagged}", err=True)


@app.command("report")
def report_cmd(target: Annotated[str, typer.Argument(help="A decisions file (output of `aftersales evaluate`), "
                                                        "or the word `drift`.")],
               out: Annotated[Path, typer.Option("--out", help="Directory for the report files.")]
               = Path("build/report"),
               input: Annotated[str | None, typer.Option("--input", "-i", help="drift: a `score` output to "
                                                                               "compare with the model's reference.")]
               = None,
               model: ModelOpt = None) -> None:
    """`report DECISIONS`: counts per code, top shops, score distributions (Markdown, PNG, HTML).
    `report drift -i scores.jsonl`: population stability index per label and for text length
    against the model's reference (its dev split), and whether a retrain is due."""
    if target != "drift":
        from inference.report import write_report

        where = write_report(target, out)
        typer.echo(f"wrote {where / 'report.md'} and {where / 'report.html'}")
        return
    import json as _json

    from inference.batch import resolve_model
    from inference.drift import drift_report, read_reference
    from inference.io import format_of, read_records

    if input is None:
        raise UsageError("report drift needs --input (the output of `aftersales score`)")
    model_dir = resolve_model(model)
    rows = _scored_rows(read_records(input, format_of(input)), model_dir)
    result = drift_report(rows, read_reference(model_dir))
    out.mkdir(parents=True, exist_ok=True)
    (out / "drift.json").write_text(_json.dumps(result, indent=1), encoding="utf-8")
    for key, value in result["psi"].items():
        typer.echo(f"{key:18} PSI {value:7.4f}  {result['verdict'][key]}")
    typer.echo(result["summary"] + (" -> relabel and retrain" if result["retrain_due"] else ""))


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port.")] = 8000,
          workers: Annotated[int, typer.Option(help="Worker processes, each with its own model copy.")] = 1,
          model: ModelOpt = None,
          gate: Annotated[Path | None, typer.Option(help="Gate config (default: configs/gate.yaml).")] = None,
          config: Annotated[Path | None, typer.Option("--config", help="API settings (default: configs/api.yaml).")]
          = None,
          api_key_file: Annotated[Path | None, typer.Option(help="File holding the API key; requests then need "
                                                                  "X-API-Key or Authorization: Bearer.")] = None,
          drain_seconds: Annotated[int, typer.Option(help="On SIGTERM, how long in-flight requests may finish.")]
          = 30) -> None:
    """Serve the inline API (FastAPI on uvicorn): /v1/score, /v1/evaluate, /v1/model, /healthz,
    /readyz, /metrics, docs at /docs."""
    import os

    import uvicorn

    from inference.api.app import read_api_key
    from inference.api.settings import load_api_settings
    from inference.batch import resolve_model
    from inference.gate_config import load_gate_config

    resolve_model(model)                      # fail here, in one line, not in every worker
    load_gate_config(gate)
    load_api_settings(config)
    read_api_key(api_key_file)
    for name, value in (("AFTERSALES_MODEL", model), ("AFTERSALES_GATE", gate), ("AFTERSALES_API_CONFIG", config),
                        ("AFTERSALES_API_KEY_FILE", api_key_file)):
        if value is not None:
            os.environ[name] = str(Path(value).resolve())
    uvicorn.run("inference.api.server:build", factory=True, host=host, port=port, workers=workers,
                timeout_graceful_shutdown=drain_seconds, log_level="warning")


def _scored_rows(records, model_dir: Path):
    """Rows with scores and text: a `score` output is used as is; raw messages are scored here."""
    from inference.records import parse_message
    from inference.scorer import Scorer

    scorer, chunk = None, []

    def flush():
        nonlocal scorer
        scorer = scorer or Scorer(model_dir)
        probs = scorer.score([m.text for m in chunk], [m.context for m in chunk]).probs
        for m, p in zip(chunk, probs):
            yield {"text": m.text, "scores": dict(zip(scorer.info.labels, map(float, p)))}
        chunk.clear()

    for _, obj in records:
        if not isinstance(obj, dict):
            continue
        if "scores" in obj:
            yield obj
            continue
        try:
            chunk.append(parse_message(obj))
        except RecordError:
            continue
        if len(chunk) >= 256:
            yield from flush()
    if chunk:
        yield from flush()


def _spark(kind: str, input: str, output: str, model: Path | None, threshold: list[str] | None,
           gate: Path | None, master: str | None) -> None:
    from inference.batch import parse_thresholds, resolve_model
    from inference.gate_config import load_gate_config
    from inference.spark_jobs import run_spark

    counts = run_spark(kind, input_path=input, output=output, model_dir=resolve_model(model).resolve(),
                       gate=load_gate_config(gate), thresholds=parse_thresholds(threshold), master=master)
    typer.echo(f"records: {counts['records']}, errors: {counts['errors']} (in {output.rstrip('/')}_errors)",
               err=True)


MasterOpt = Annotated[str | None, typer.Option(help="Spark master, e.g. local[4] or spark://host:7077 "
                                                    "(default: spark-submit's or local).")]
ParquetIn = Annotated[str, typer.Option("--input", "-i", help="Parquet file or directory.")]
ParquetOut = Annotated[str, typer.Option("--output", "-o", help="Parquet directory (errors go to <output>_errors).")]
GateOpt = Annotated[Path | None, typer.Option(help="Gate config (default: configs/gate.yaml).")]


@app.command("spark-score")
def spark_score(input: ParquetIn, output: ParquetOut, model: ModelOpt = None, threshold: ThresholdOpt = None,
                master: MasterOpt = None) -> None:
    """`score` on Apache Spark: Parquet in and out, one ONNX session per executor process."""
    _spark("score", input, output, model, threshold, None, master)


@app.command("spark-evaluate")
def spark_evaluate(input: ParquetIn, output: ParquetOut, model: ModelOpt = None, threshold: ThresholdOpt = None,
                   gate: GateOpt = None, master: MasterOpt = None) -> None:
    """`evaluate` on Apache Spark: Parquet in and out, the same scorer and gate as the local job."""
    _spark("evaluate", input, output, model, threshold, gate, master)


@app.command()
def version() -> None:
    """Print the installed version and the command groups that are plugged in."""
    groups = sorted(ep.name for ep in entry_points(group="aftersales.commands"))
    typer.echo(f"aftersales-guard {__version__}; command groups: {', '.join(groups) or 'none'}")


_registered: set[str] = set()


def _register_rooms() -> None:
    """Attach every installed room's commands (once per process): a Typer app becomes a
    command group (`aftersales label …`), a function a top-level command (`aftersales export`)."""
    for ep in sorted(entry_points(group="aftersales.commands"), key=lambda e: e.name):
        if ep.name in _registered:
            continue
        target = ep.load()
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=ep.name)
        else:
            app.command(name=ep.name)(target)
        _registered.add(ep.name)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command, and report bad input in one line instead of a traceback."""
    _register_rooms()
    try:
        app(args=argv, prog_name="aftersales")
    except (UsageError, RecordError) as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
