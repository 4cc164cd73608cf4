"""Where the batch job's time goes: reading and parsing, tokenization, the ONNX session, post-processing
and writing, for `aftersales score` on gold messages with the default model. Ends with one JSON line.

    python benchmarks/profile_batch.py -n 3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throughput import sample, write_jsonl  # noqa: E402  (same folder)

from inference.batch import ScoreJob, resolve_model, run_job  # noqa: E402
from inference.limits import CHUNK_RECORDS  # noqa: E402
from inference.scorer import Scorer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--chunk-size", type=int, default=CHUNK_RECORDS, help="records per chunk (the job's default: %(default)s)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    src = write_jsonl(tmp / "in.jsonl", sample(args.n))
    scorer = Scorer(resolve_model(args.model))
    spent: dict[str, float] = defaultdict(float)

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapper

    scorer.encode = timed("tokenize", scorer.encode)
    run = scorer.run
    scorer.run = timed("model_run (padding + session)", run)
    job = ScoreJob(scorer, {})
    handler = timed("handler total", job)
    start = time.perf_counter()
    summary = run_job(handler, input_path=str(src), output=str(tmp / "out.jsonl"),
                      core=("id", "labels", "scores", "model", "truncated"), chunk_size=args.chunk_size)
    total = time.perf_counter() - start
    other = total - spent["handler total"]
    post = spent["handler total"] - spent["tokenize"] - spent["model_run (padding + session)"]
    stages = {"read, parse and write (I/O, JSON, commits)": other, "tokenize": spent["tokenize"],
              "model_run (padding + session)": spent["model_run (padding + session)"],
              "validation and post-processing": post}
    for name, sec in stages.items():
        print(f"{name:45} {sec:7.2f} s  {100 * sec / total:5.1f}%")
    print(f"total {total:.2f} s for {summary.records} messages ({summary.records / total:.1f} msgs/s)")
    print(json.dumps({"messages": summary.records, "seconds": round(total, 2), "chunk_size": args.chunk_size,
                      "msgs_per_s": round(summary.records / total, 1),
                      "shares": {k: round(v / total, 4) for k, v in stages.items()},
                      "hardware": f"{platform.machine()}, {os.cpu_count()} cores", "model": scorer.info.tag}))


if __name__ == "__main__":
    main()
