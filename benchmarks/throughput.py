"""Batch scoring throughput and peak memory: INT8 and fp32 ONNX against the PyTorch pipeline,
cost per text as it grows, and length grouping on and off.

Whole jobs, each in its own process, timed from start to exit (imports and
model loading included) with the process's own peak RSS:
- `aftersales score` with the shipped INT8 model;
- `aftersales score` with the fp32 graph, rebuilt from the committed
  fine-tuned weights (`models/<name>-weights`) into `build/bench/` once;
- `benchmarks/torch_pipeline.py`: the same weights through
  `transformers.pipeline("text-classification")` in PyTorch.
All three read the same 10,000 merchant texts with their contexts, sampled
with a fixed seed from the gold data (realistic lengths). Each also scores
the gold test split, and its macro-F1 there (the shipped thresholds for all)
gives the F1 loss. Then, inside one scorer: inputs of exactly 8, 32, 128
and 512 tokens, and the sample in input order (no length grouping).
Ends with one JSON line of figures. Needs the `train` extra for the fp32 and
PyTorch variants; without a weights directory only INT8 is measured.

    python benchmarks/throughput.py          # or, from a fresh clone: make bench-throughput
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sample(n: int, seed: int = 7) -> list[dict]:
    rows = [json.loads(x) for x in (ROOT / "labeling/data/messages.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    return [{**{k: r[k] for k in ("text", "context") if k in r}, "id": f"m{i}"}
            for i, r in enumerate(rng.choice(rows) for _ in range(n))]


def test_split() -> list[dict]:
    from training.corpus import data_config, gold_split

    return [{"id": m.id, "text": m.text, "context": m.context, "labels": list(m.labels)}
            for m in gold_split(data_config(ROOT / "configs/data.yaml"), "test", allow_test=True)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def timed(cmd: list[str], log: Path) -> dict:
    """Wall seconds and the process's own peak RSS (wait4, not the sum over children)."""
    start = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{log.read_text()[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def macro_f1(out: Path, gold: list[dict], thresholds: dict[str, float]) -> float:
    from inference.metrics import label_matrix, per_label
    from inference.taxonomy import LABELS

    scores = {r["id"]: r["scores"] for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    pred = [[k for k in LABELS if scores[g["id"]][k] >= thresholds[k]] for g in gold]
    y, p = label_matrix([g["labels"] for g in gold], LABELS), label_matrix(pred, LABELS)
    return round(per_label(y, p, LABELS)["macro"]["f1"], 4)


def job(kind: str, target: Path, src: Path, out: Path, threads: int | None) -> list[str]:
    extra = ["--threads", str(threads)] if threads else []
    if kind == "torch":
        return [sys.executable, str(ROOT / "benchmarks/torch_pipeline.py"), "--weights", str(target),
                "-i", str(src), "-o", str(out), *extra]
    return [sys.executable, "-m", "inference.cli", "score", "-i", str(src), "-o", str(out), "--model", str(target),
            *extra]


def measure_job(name: str, kind: str, target: Path, work: Path, n: int, gold: list[dict],
                thresholds: dict[str, float], threads: int | None) -> dict:
    r = timed(job(kind, target, work / "input.jsonl", work / f"out-{name}.jsonl", threads), work / f"{name}.log")
    timed(job(kind, target, work / "test.jsonl", work / f"test-{name}.jsonl", threads), work / f"{name}-test.log")
    return {**r, "msgs_per_s": round(n / r["seconds"], 1),
            "test_macro_f1": macro_f1(work / f"test-{name}.jsonl", gold, thresholds)}


def scorer_child(model: Path, work: Path, length: int | None, grouping: bool, threads: int | None) -> dict:
    """In one process: the sample through Scorer.run, sorted or not, or inputs of exactly `length` tokens."""
    from inference.scorer import Scorer

    scorer = Scorer(model, threads=threads, verify_files=False)
    rows = [json.loads(x) for x in (work / "input.jsonl").read_text(encoding="utf-8").splitlines()]
    ids, _ = scorer.encode([r["text"] for r in rows], [r.get("context") for r in rows])
    if length is not None:          # model cost alone: real token ids, cut or joined to exactly `length`
        pool = [t for x in ids for t in x[1:-1]]
        n = min(2000, 64_000 // length)
        ids = [[ids[0][0]] + pool[i * 97 % (len(pool) - length):][: length - 2] + [ids[0][-1]] for i in range(n)]
    run = scorer.run if grouping else (lambda xs: unsorted_run(scorer, xs))
    run(ids[:32])                   # warm up
    start = time.perf_counter()
    run(ids)
    seconds = time.perf_counter() - start
    return {"n": len(ids), "msgs_per_s": round(len(ids) / seconds, 1),
            "mean_tokens": round(sum(map(len, ids)) / len(ids), 1)}


def unsorted_run(scorer, ids: list[list[int]]) -> None:
    """Scorer.run without the length sort: batches of 32 in input order, padded to their longest."""
    for start in range(0, len(ids), scorer.batch_size):
        batch = ids[start:start + scorer.batch_size]
        width = max(map(len, batch))
        input_ids = np.full((len(batch), width), scorer.pad_id, dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, x in enumerate(batch):
            input_ids[row, :len(x)], mask[row, :len(x)] = x, 1
        scorer.session.run(["probs"], {"input_ids": input_ids, "attention_mask": mask})


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def fp32_dir(weights: Path, model: Path, work: Path) -> Path:
    """The fp32 reference, rebuilt from the weights once and reused while the weights are unchanged."""
    from inference.model_dir import sha256_file

    out, stamp_file = work / "fp32-model", work / "fp32-model.sources"
    stamp = sha256_file(weights / "manifest.json") + sha256_file(model / "manifest.json")
    if stamp_file.exists() and stamp_file.read_text() == stamp and (out / "manifest.json").exists():
        return out
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from training.weights import "
                    "fp32_model_dir; fp32_model_dir(*map(Path, sys.argv[1:]))", str(weights), str(model), str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stamp_file.write_text(stamp)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="model directory (default: the bundled model)")
    ap.add_argument("--weights", type=Path, default=None, help="its fine-tuned weights (default: models/<name>-weights)")
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--work", type=Path, default=ROOT / "build/bench/throughput")
    ap.add_argument("--lengths", default="8,32,128,512", help="token counts for the cost-by-length runs")
    ap.add_argument("--child", nargs=2, metavar=("LENGTH", "GROUPING"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    from inference.batch import resolve_model
    from inference.model_dir import read_info

    model = resolve_model(args.model).resolve()
    if args.child:
        length = None if args.child[0] == "-" else int(args.child[0])
        print(json.dumps(scorer_child(model, args.work, length, args.child[1] == "1", args.threads)))
        return
    info = read_info(model)
    weights = (args.weights or ROOT / "models" / f"{info.name}-weights").resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.work / "input.jsonl", sample(args.n))
    gold = test_split()
    write_jsonl(args.work / "test.jsonl", [{k: g[k] for k in ("id", "text", "context")} for g in gold])
    figures: dict = {"model": info.tag, "messages": args.n, "test_messages": len(gold),
                     "hardware": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
                                 f"threads {args.threads or 'all'}"}
    g = info.default_graph
    variants = {g: ("score", model)}
    if (weights / "manifest.json").exists():
        if g != "fp32":
            variants["fp32"] = ("score", fp32_dir(weights, model, args.work))
        variants["torch_pipeline"] = ("torch", weights)
    else:
        print(f"no weights directory at {weights}: measuring the shipped graph only", file=sys.stderr)
    for name, (kind, target) in variants.items():
        r = measure_job(name, kind, target, args.work, args.n, gold, info.thresholds, args.threads)
        figures.update({f"msgs_per_s_{name}": r["msgs_per_s"], f"peak_rss_mb_{name}": r["peak_rss_mb"],
                        f"test_macro_f1_{name}": r["test_macro_f1"]})
        print(f"{name}: {r['msgs_per_s']} msgs/s ({r['seconds']} s), peak {r['peak_rss_mb']} MB, "
              f"test macro-F1 {r['test_macro_f1']}", file=sys.stderr)
    for other, short in (("fp32", "fp32"), ("torch_pipeline", "torch")):
        if other in variants and other != g:
            figures[f"ratio_{g}_vs_{short}"] = round(figures[f"msgs_per_s_{g}"] / figures[f"msgs_per_s_{other}"], 2)
            figures[f"f1_loss_points_{g}_vs_{short}"] = round(
                100 * (figures[f"test_macro_f1_{other}"] - figures[f"test_macro_f1_{g}"]), 2)
    common = ["--model", str(model), "--work", str(args.work)] + (["--threads", str(args.threads)] if args.threads else [])
    grouped, plain = child(["--child", "-", "1", *common]), child(["--child", "-", "0", *common])
    figures.update({f"scorer_msgs_per_s_{g}": grouped["msgs_per_s"], "mean_tokens": grouped["mean_tokens"],
                    f"scorer_msgs_per_s_{g}_no_grouping": plain["msgs_per_s"],
                    "ratio_grouping": round(grouped["msgs_per_s"] / plain["msgs_per_s"], 2)})
    for length in map(int, args.lengths.split(",")):
        figures[f"msgs_per_s_{g}_len{length}"] = child(["--child", str(length), "1", *common])["msgs_per_s"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
