"""`aftersales label check`: every gold file against the taxonomy and the split manifest.

Collects all problems instead of stopping at the first, so one run gives the
whole list to fix; each names the file, line, record and field.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.errors import RecordError, UsageError
from inference.model_dir import sha256_file
from inference.taxonomy import CODES, LABELS
from labeling.config import DataConfig
from labeling.gold import GoldMessage, load_records, parse_gold_message, parse_gold_store_month, parse_gold_ticket
from labeling.splits import SPLITS, assign_split, read_manifest, split_key


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    label_counts: dict[str, Counter] = field(default_factory=dict)   # split -> label -> n
    code_counts: Counter = field(default_factory=Counter)
    ticket_stats: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors


def _duplicate_ids(rows: list[tuple[int, Any]], path: Path, report: CheckReport) -> None:
    first: dict[str, int] = {}
    for line, rec in rows:
        if rec.id in first:
            report.errors.append(str(RecordError(f"duplicate id (first on line {first[rec.id]})",
                                                 field="id", line=line, record_id=rec.id,
                                                 source=str(path))))
        else:
            first[rec.id] = line


def _duplicate_texts(rows: list[tuple[int, GoldMessage]], path: Path, report: CheckReport) -> None:
    seen: dict[tuple[str, str | None], int] = {}
    for line, rec in rows:
        key = (rec.text.strip(), rec.context)
        if key in seen:
            report.errors.append(str(RecordError(f"same text and context as line {seen[key]}",
                                                 field="text", line=line, record_id=rec.id,
                                                 source=str(path))))
        else:
            seen[key] = line


def _load_messages(path: Path, max_chars: int, report: CheckReport) -> list[tuple[int, GoldMessage]]:
    if not path.exists():
        report.errors.append(f"{path}: file not found")
        return []
    rows, bad = load_records(path, lambda obj: parse_gold_message(obj, max_chars=max_chars))
    report.errors.extend(str(e) for e in bad)
    _duplicate_ids(rows, path, report)
    _duplicate_texts(rows, path, report)
    return rows


def _check_manifest(cfg: DataConfig, gold: list[tuple[int, GoldMessage]], report: CheckReport) -> dict[str, str]:
    """Verify the frozen manifest against the files; returns id -> split."""
    try:
        manifest = read_manifest(cfg.paths.splits)
    except UsageError as err:
        report.errors.append(str(err))
        return {}
    for name, entry in manifest["files"].items():
        path = Path(entry["path"])
        if not path.exists():
            report.errors.append(f"{cfg.paths.splits}: lists {name} at {path}, which does not exist")
        elif sha256_file(path) != entry["sha256"]:
            report.errors.append(f"{cfg.paths.splits}: sha256 of {path} differs from the manifest "
                                 "(data changed: rerun `aftersales label split` and review the diff)")
    if manifest["split"] != cfg.split.model_dump(mode="json"):
        report.errors.append(f"{cfg.paths.splits}: split settings differ from the config's `split` section")
    where: dict[str, str] = {}
    for split in SPLITS:
        for rid in manifest["splits"][split]:
            if rid in where:
                report.errors.append(f"{cfg.paths.splits}: id {rid!r} is in both {where[rid]} and {split}")
            where[rid] = split
    keys: dict[str, set[str]] = defaultdict(set)
    for line, rec in gold:
        split = where.get(rec.id)
        if split is None:
            report.errors.append(f"{cfg.paths.messages}:{line}: record {rec.id!r}: not in the split manifest")
            continue
        if split != assign_split(split_key(rec.text), cfg.split):
            report.errors.append(f"{cfg.paths.messages}:{line}: record {rec.id!r}: manifest says {split}, "
                                 "the text's hash says otherwise")
        keys[split_key(rec.text)].add(split)
    report.errors.extend(f"near-duplicate texts (key {k[:30]!r}) span splits {sorted(s)}"
                         for k, s in keys.items() if len(s) > 1)
    unknown = set(where) - {rec.id for _, rec in gold}
    report.errors.extend(f"{cfg.paths.splits}: id {rid!r} is not in {cfg.paths.messages}"
                         for rid in sorted(unknown))
    return where


def _check_outofstyle(cfg: DataConfig, gold: list[tuple[int, GoldMessage]], report: CheckReport) -> None:
    rows = _load_messages(cfg.paths.outofstyle, cfg.limits.outofstyle_max_chars, report)
    gold_ids = {rec.id for _, rec in gold}
    gold_keys = {split_key(rec.text) for _, rec in gold}
    counts = report.label_counts.setdefault("outofstyle", Counter())
    for line, rec in rows:
        if rec.id in gold_ids:
            report.errors.append(f"{cfg.paths.outofstyle}:{line}: record {rec.id!r}: id also used in the gold set")
        if split_key(rec.text) in gold_keys:
            report.errors.append(f"{cfg.paths.outofstyle}:{line}: record {rec.id!r}: text duplicates a gold "
                                 "text (it would leak the test into training)")
        counts["records"] += 1
        counts.update(rec.labels or ["(none)"])


def _check_tickets(cfg: DataConfig, report: CheckReport) -> None:
    for path, parse in ((cfg.paths.tickets, parse_gold_ticket), (cfg.paths.tickets_heldout, parse_gold_ticket),
                        (cfg.paths.store_months, parse_gold_store_month)):
        if not path.exists():
            if path != cfg.paths.tickets_heldout:          # the held-out set is optional
                report.errors.append(f"{path}: file not found")
            continue
        rows, bad = load_records(path, parse)
        report.errors.extend(str(e) for e in bad)
        _duplicate_ids(rows, path, report)
        for _, rec in rows:
            codes = rec.extra["expected_codes"]
            if path == cfg.paths.tickets_heldout:
                report.ticket_stats["held-out tickets"] += 1
                continue
            report.code_counts.update(codes)
            if parse is parse_gold_ticket:
                report.ticket_stats["tickets"] += 1
                report.ticket_stats["clean"] += not codes
                report.ticket_stats["multi-code"] += len(codes) > 1
            else:
                report.ticket_stats["store-months"] += 1


def run_check(cfg: DataConfig) -> CheckReport:
    report = CheckReport()
    gold = _load_messages(cfg.paths.messages, cfg.limits.gold_max_chars, report)
    where = _check_manifest(cfg, gold, report)
    for _, rec in gold:
        counts = report.label_counts.setdefault(where.get(rec.id, "unsplit"), Counter())
        counts["records"] += 1
        counts.update(rec.labels or ["(none)"])
    _check_outofstyle(cfg, gold, report)
    _check_tickets(cfg, report)
    return report


def format_report(report: CheckReport) -> str:
    """Counts per label and split, then counts per code, as a plain table."""
    cols = [c for c in (*SPLITS, "unsplit", "outofstyle") if c in report.label_counts]
    rows = ["records", *LABELS, "(none)"]
    width = max(len(r) for r in rows) + 2
    lines = ["".ljust(width) + "".join(c.rjust(11) for c in cols) + "total".rjust(9)]
    for r in rows:
        vals = [report.label_counts[c][r] for c in cols]
        gold_total = sum(report.label_counts[c][r] for c in cols if c != "outofstyle")
        lines.append(r.ljust(width) + "".join(str(v).rjust(11) for v in vals) + str(gold_total).rjust(9))
    lines.append("(total: gold splits only; outofstyle is a separate test set)")
    lines.append("")
    lines.append("codes in gold tickets and store-months:")
    lines.extend(f"  {code.ljust(26)}{report.code_counts[code]:>5}" for code in CODES)
    lines.append("  " + ", ".join(f"{k}: {v}" for k, v in sorted(report.ticket_stats.items())))
    return "\n".join(lines)
