"""`aftersales report`: a summary of a decisions file for people.

Counts per code, violations per shop and the top shops, and the distribution
of the model scores that triggered text-based codes, as Markdown with PNG
charts and a small HTML page that shows them. Streams the decisions file, so
a night's output of any size fits.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from inference.errors import RecordError, UsageError
from inference.io import format_of, read_records
from inference.optional import require
from inference.taxonomy import TICKET_CODES


def summarize(path: str) -> dict[str, Any]:
    codes, shops, shop_tickets = Counter(), Counter(), Counter()
    scores: dict[str, list[float]] = defaultdict(list)
    total = violations = 0
    for _, obj in read_records(path, format_of(path)):
        if isinstance(obj, RecordError) or not isinstance(obj, dict) or "codes" not in obj:
            continue
        total += 1
        row_codes = obj["codes"] if isinstance(obj["codes"], list) else json.loads(obj["codes"])
        violations += bool(row_codes)
        codes.update(row_codes)
        shop = obj.get("shop_id") or "(unknown)"
        shop_tickets[shop] += 1
        shops[shop] += bool(row_codes)
        evidence = obj.get("evidence") or []
        for ev in (json.loads(evidence) if isinstance(evidence, str) else evidence):
            if ev.get("label") and ev.get("score") is not None:
                scores[ev["label"]].append(float(ev["score"]))
    if total == 0:
        raise UsageError(f"{path}: no decisions found (is this the output of `aftersales evaluate`?)")
    return {"tickets": total, "violations": violations, "codes": {c: codes[c] for c in TICKET_CODES},
            "shops": [{"shop": s, "violations": n, "tickets": shop_tickets[s]} for s, n in shops.most_common()],
            "scores": dict(scores)}


def _charts(summary: dict[str, Any], out: Path) -> list[str]:
    matplotlib = require("matplotlib", "report")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.barh(list(summary["codes"]), list(summary["codes"].values()), color="#c0392b")
    ax.invert_yaxis()
    ax.set_xlabel("tickets")
    ax.set_title("Violations per code")
    fig.tight_layout()
    fig.savefig(out / "codes.png", dpi=90)
    plt.close(fig)
    names.append("codes.png")
    top = summary["shops"][:15]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(top) + 1.2))
    ax.barh([s["shop"] for s in top], [s["violations"] for s in top], color="#2c3e50")
    ax.invert_yaxis()
    ax.set_xlabel("tickets with a violation")
    ax.set_title("Top shops")
    fig.tight_layout()
    fig.savefig(out / "shops.png", dpi=90)
    plt.close(fig)
    names.append("shops.png")
    if summary["scores"]:
        fig, ax = plt.subplots(figsize=(7, 3.4))
        for label, values in sorted(summary["scores"].items()):
            ax.hist(values, bins=20, range=(0, 1), alpha=0.55, label=f"{label} ({len(values)})")
        ax.set_xlabel("model score of the text that triggered a code")
        ax.legend(fontsize=8)
        ax.set_title("Scores behind text-based codes")
        fig.tight_layout()
        fig.savefig(out / "scores.png", dpi=90)
        plt.close(fig)
        names.append("scores.png")
    return names


def write_report(path: str, out: Path) -> Path:
    summary = summarize(path)
    out.mkdir(parents=True, exist_ok=True)
    charts = _charts(summary, out)
    share = 100 * summary["violations"] / summary["tickets"]
    md = [f"# After-sales decisions: {Path(path).name}", "",
          f"{summary['tickets']} tickets, {summary['violations']} with a violation ({share:.1f}%).", "",
          "| code | tickets |", "|---|---:|", *[f"| `{c}` | {n} |" for c, n in summary["codes"].items()], "",
          "## Top shops", "", "| shop | tickets with a violation | tickets |", "|---|---:|---:|",
          *[f"| {s['shop']} | {s['violations']} | {s['tickets']} |" for s in summary["shops"][:20]], "",
          *[f"![{c}]({c})" for c in charts], ""]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")
    rows = "".join(f"<tr><td>{html.escape(c)}</td><td>{n}</td></tr>" for c, n in summary["codes"].items())
    shops = "".join(f"<tr><td>{html.escape(str(s['shop']))}</td><td>{s['violations']}</td><td>{s['tickets']}</td></tr>"
                    for s in summary["shops"][:20])
    imgs = "".join(f'<img src="{c}" alt="{c}">' for c in charts)
    (out / "report.html").write_text(
        f"<!doctype html><meta charset=utf-8><title>After-sales decisions</title>"
        f"<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:2px 10px}}"
        f"img{{display:block;margin:1em 0}}</style><h1>After-sales decisions</h1>"
        f"<p>{summary['tickets']} tickets, {summary['violations']} with a violation ({share:.1f}%).</p>"
        f"<table><tr><th>code</th><th>tickets</th></tr>{rows}</table><h2>Top shops</h2>"
        f"<table><tr><th>shop</th><th>with a violation</th><th>tickets</th></tr>{shops}</table>{imgs}",
        encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({k: v for k, v in summary.items() if k != "scores"},
                                                 ensure_ascii=False, indent=1), encoding="utf-8")
    return out
