"""The nightly batch jobs: score messages, evaluate tickets, rank stores.

One driver streams records in chunks through a job's handler into a
crash-safe sink, routes bad records to the error file with their line and
field, shows a progress bar on a terminal (quiet when piped), and ends with a
summary. The handlers reuse the scorer and the gate that the API wraps.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from inference.errors import RecordError, UsageError
from inference.gate import TextLabels, decide, merchant_texts
from inference.gate_config import GateConfig
from inference.io import format_of, read_records
from inference.limits import CHUNK_RECORDS
from inference.model_dir import DEFAULT_MODEL
from inference.records import parse_message
from inference.scorer import Scorer
from inference.sink import Sink
from inference.taxonomy import LABELS
from inference.tickets import parse_ticket

SCORE_CORE = ("id", "labels", "scores", "model", "truncated")
DECISION_CORE = ("id", "violation", "codes", "evidence", "measures", "checks", "model", "gate")

Handler = Callable[[list[tuple[int, Any]], Counter], tuple[list[dict], list[dict]]]


def resolve_model(path: Path | None) -> Path:
    """--model, else $AFTERSALES_MODEL, else the bundled default model."""
    chosen = path or (Path(os.environ["AFTERSALES_MODEL"]) if os.environ.get("AFTERSALES_MODEL") else DEFAULT_MODEL)
    if not chosen.is_dir():
        raise UsageError(f"model directory not found: {chosen}")
    return chosen


def parse_thresholds(items: Sequence[str] | None) -> dict[str, float]:
    """`label=value` overrides, validated against the taxonomy and [0, 1]."""
    out = {}
    for item in items or []:
        label, sep, value = item.partition("=")
        if not sep or label not in LABELS:
            raise UsageError(f"--threshold {item!r}: expected LABEL=VALUE with LABEL one of {', '.join(LABELS)}")
        try:
            out[label] = float(value)
        except ValueError:
            raise UsageError(f"--threshold {item!r}: {value!r} is not a number") from None
        if not 0.0 <= out[label] <= 1.0:
            raise UsageError(f"--threshold {item!r}: must be between 0 and 1")
    return out


def _error(pos: int, err: RecordError, obj: Any = None) -> dict[str, Any]:
    rid = err.record_id if err.record_id is not None else (obj.get("id") if isinstance(obj, dict) else None)
    return {"line": pos, "id": rid, "field": err.field, "error": err.error}


def _valid(chunk, parse) -> tuple[list[tuple[int, Any, Any]], list[dict]]:
    good, bad = [], []
    for pos, obj in chunk:
        if isinstance(obj, RecordError):
            bad.append(_error(pos, obj))
            continue
        try:
            good.append((pos, obj, parse(obj)))
        except RecordError as err:
            bad.append(_error(pos, err, obj))
    return good, bad


def score_rows(messages: Sequence[Any], probs, truncated, thresholds: dict[str, float], model: str,
               stats: Counter | None = None) -> list[dict[str, Any]]:
    """The output record of a scored message: the batch job's and the API's one format."""
    rows = []
    for msg, p, cut in zip(messages, probs, truncated):
        scores = {label: round(float(x), 6) for label, x in zip(LABELS, p)}
        labels = [label for label in LABELS if scores[label] >= thresholds[label]]
        if stats is not None:
            stats.update(f"label:{label}" for label in labels)
            stats["truncated"] += bool(cut)
        rows.append({"id": msg.id, "labels": labels, "scores": scores, "model": model, "truncated": bool(cut),
                     **msg.extra})
    return rows


def ticket_texts(tickets: Sequence[Any]) -> list[tuple[int, Any, str | None]]:
    """(ticket position, merchant event, context) for every text of every ticket, for one batched call."""
    return [(i, ev, ctx) for i, t in enumerate(tickets) for ev, ctx in merchant_texts(t)]


def labels_per_ticket(n_tickets: int, texts, probs, thresholds: dict[str, float]) -> list[dict[int, TextLabels]]:
    """The batched scores of `ticket_texts` back as each ticket's {event index: text labels}."""
    per_ticket: list[dict[int, TextLabels]] = [{} for _ in range(n_tickets)]
    for (i, ev, _), p in zip(texts, probs):
        per_ticket[i][ev.index] = TextLabels({k: float(x) for k, x in zip(LABELS, p)}, thresholds)
    return per_ticket


def decide_all(tickets: Sequence[Any], texts, probs, thresholds: dict[str, float], gate: GateConfig, model: str,
               stats: Counter | None = None) -> list[dict[str, Any]]:
    rows = []
    for ticket, labels in zip(tickets, labels_per_ticket(len(tickets), texts, probs, thresholds)):
        decision = decide(ticket, labels, gate, model=model)
        if stats is not None:
            stats.update(f"code:{c}" for c in decision.codes)
            stats["violations"] += decision.violation
            stats["texts_scored"] += len(labels)
        rows.append(decision.as_json())
    return rows


class ScoreJob:
    def __init__(self, scorer: Scorer, thresholds: dict[str, float]) -> None:
        self.scorer = scorer
        self.thresholds = {**scorer.info.thresholds, **thresholds}

    def __call__(self, chunk, stats: Counter):
        good, bad = _valid(chunk, parse_message)
        messages = [m for _, _, m in good]
        result = self.scorer.score([m.text for m in messages], [m.context for m in messages])
        return score_rows(messages, result.probs, result.truncated, self.thresholds, self.scorer.info.tag,
                          stats), bad


class EvaluateJob:
    """Score every merchant text of a chunk of tickets in one batched call, then decide each ticket."""

    def __init__(self, scorer: Scorer, thresholds: dict[str, float], gate: GateConfig) -> None:
        self.scorer = scorer
        self.thresholds = {**scorer.info.thresholds, **thresholds}
        self.gate = gate

    def __call__(self, chunk, stats: Counter):
        good, bad = _valid(chunk, parse_ticket)
        tickets = [t for _, _, t in good]
        texts = ticket_texts(tickets)
        probs = self.scorer.score([ev.text for _, ev, _ in texts], [ctx for _, _, ctx in texts]).probs
        return decide_all(tickets, texts, probs, self.thresholds, self.gate, self.scorer.info.tag, stats), bad


@dataclass
class Summary:
    records: int
    errors: int
    seconds: float
    counts: dict[str, int]

    def lines(self) -> list[str]:
        rate = self.records / self.seconds if self.seconds else 0.0
        out = [f"records: {self.records}, errors: {self.errors}, {rate:.1f} records/s in {self.seconds:.1f} s"]
        out += [f"  {k}: {v}" for k, v in sorted(self.counts.items())]
        return out


def run_job(handler: Handler, *, input_path: str, output: str, core: tuple[str, ...], resume: bool = False,
            max_errors: int | None = None, in_format: str | None = None, out_format: str | None = None,
            errors_path: str | None = None, desc: str = "records", chunk_size: int = CHUNK_RECORDS) -> Summary:
    fmt_in, fmt_out = format_of(input_path, in_format), format_of(output, out_format)
    if input_path != "-" and not Path(input_path).exists():
        raise UsageError(f"input not found: {input_path}")
    sink = Sink(output, fmt_out, input_path=input_path, core=core, resume=resume, errors_path=errors_path)
    stats = Counter(sink.progress.stats)
    start = time.time()
    bar = tqdm(total=count_positions(input_path, fmt_in), initial=sink.progress.position, unit="rec", desc=desc,
               disable=not sys.stderr.isatty(), file=sys.stderr)
    chunk: list[tuple[int, Any]] = []

    def flush() -> None:
        rows, bad = handler(chunk, stats)
        for row in rows:
            sink.add(row)
        for err in bad:
            sink.error(err)
        stats["records"] += len(rows)
        stats["errors"] += len(bad)
        sink.commit(chunk[-1][0], dict(stats))
        bar.update(chunk[-1][0] - bar.n)
        bar.set_postfix(errors=stats["errors"])
        if max_errors is not None and stats["errors"] > max_errors:
            raise UsageError(f"{stats['errors']} bad records, more than --max-errors {max_errors}; "
                             f"see {sink.errors_path} (fix, then rerun with --resume)")

    for pos, value in read_records(input_path, fmt_in, skip=sink.progress.position):
        chunk.append((pos, value))
        if len(chunk) >= chunk_size:
            flush()
            chunk = []
    if chunk:
        flush()
    bar.close()
    sink.finish()
    counts = {k: v for k, v in stats.items() if k not in ("records", "errors")}
    return Summary(records=stats["records"], errors=stats["errors"], seconds=time.time() - start, counts=counts)



def count_positions(path: str, fmt: str) -> int | None:
    """Total for the progress bar: lines (a fast binary pass) or Parquet rows; None for stdin."""
    if path == "-":
        return None
    if fmt == "parquet":
        import pyarrow.parquet as pq
        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
