"""A distilled fast model beside the default one: scoring speed and macro-F1, and whether it
clears the bar for shipping (F1 within 2 points of the default at 3x its speed or more).

Speed: both models loaded in one process, scoring the same sampled merchant
texts (with contexts, fixed seed) in alternating rounds; the median round
counts, so drift in the machine's speed hits both alike. F1: each model's
shipped graph and thresholds on the gold test split and the out-of-style
set, evaluated as the model card does. Ends with one JSON line of figures.

    python benchmarks/fast_model.py --fast build/models/aftersales-zh-small-fast
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throughput import sample  # noqa: E402  (same folder)

BAR_POINTS, BAR_SPEED = 2.0, 3.0


def eval_sets() -> dict[str, list]:
    from training.corpus import data_config, gold_split, outofstyle

    data = data_config(ROOT / "configs/data.yaml")
    return {"test": gold_split(data, "test", allow_test=True), "outofstyle": outofstyle(data)}


def rates(scorers: dict, texts: list[str], contexts: list, rounds: int) -> dict[str, float]:
    seen: dict[str, list[float]] = {name: [] for name in scorers}
    for s in scorers.values():
        s.score(texts[:64], contexts[:64])               # warm up
    for _ in range(rounds):
        for name, s in scorers.items():
            start = time.perf_counter()
            s.score(texts, contexts)
            seen[name].append(len(texts) / (time.perf_counter() - start))
    return {name: round(statistics.median(r), 1) for name, r in seen.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fast", type=Path, required=True, help="the distilled model directory")
    ap.add_argument("--model", type=Path, default=None, help="the default model (default: the bundled one)")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    from inference.batch import resolve_model
    from inference.scorer import Scorer

    scorers = {"default": Scorer(resolve_model(args.model), threads=args.threads),
               "fast": Scorer(args.fast, threads=args.threads)}
    rows = sample(args.n)
    speed = rates(scorers, [r["text"] for r in rows], [r.get("context") for r in rows], args.rounds)
    from training.card import previous_model

    sets = eval_sets()
    figures: dict = {"default": scorers["default"].info.tag, "fast": scorers["fast"].info.tag, "messages": args.n,
                     "rounds": args.rounds, "hardware": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores"}
    for name, path in (("default", resolve_model(args.model)), ("fast", args.fast)):
        scored = previous_model(path, sets)              # the model card's own evaluation
        figures[f"msgs_per_s_{name}"] = speed[name]
        figures.update({f"{split}_macro_f1_{name}": round(scored[split]["per_label"]["macro"]["f1"], 4)
                        for split in sets})
    figures["speedup"] = round(speed["fast"] / speed["default"], 2)
    for split in ("test", "outofstyle"):
        figures[f"{split}_f1_loss_points"] = round(
            100 * (figures[f"{split}_macro_f1_default"] - figures[f"{split}_macro_f1_fast"]), 2)
    figures["meets_bar"] = figures["speedup"] >= BAR_SPEED and figures["test_f1_loss_points"] <= BAR_POINTS
    print(f"fast: {figures['speedup']}x the default's speed ({speed['fast']} vs {speed['default']} msgs/s), "
          f"test macro-F1 {figures['test_macro_f1_fast']} vs {figures['test_macro_f1_default']}, out-of-style "
          f"{figures['outofstyle_macro_f1_fast']} vs {figures['outofstyle_macro_f1_default']}; "
          f"bar ({BAR_POINTS} points at {BAR_SPEED}x): {'met' if figures['meets_bar'] else 'not met'}",
          file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
