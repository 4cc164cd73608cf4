"""Batch scoring throughput: messages/s and peak memory, INT8 against fp32, length grouping on and off,
and cost per text as it grows.

Each variant runs in its own subprocess (so peak RSS is its own) on the same
messages: 10,000 merchant texts with their contexts, sampled with a fixed
seed from the gold data, so lengths are realistic. The fp32 graph is not
committed (it is 120 MB); it is used when a training run's export exists
(`build/runs/<name>/export`, made by `make model`), and skipped otherwise.
Ends with one JSON line of figures.

    python benchmarks/throughput.py                 # default model, 10,000 messages
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sample(n: int, seed: int = 7) -> tuple[list[str], list[str | None]]:
    rows = [json.loads(x) for x in (ROOT / "labeling/data/messages.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    picked = [rng.choice(rows) for _ in range(n)]
    return [r["text"] for r in picked], [r.get("context") for r in picked]


def run_variant(model_dir: str, graph: str, n: int, grouping: bool, threads: int | None, length: int | None) -> dict:
    from inference.scorer import Scorer

    scorer = Scorer(Path(model_dir), graph=graph, threads=threads, verify_files=False)
    texts, contexts = sample(n)
    run = scorer.run if grouping else _unsorted(scorer)
    if length is not None:                  # model cost alone: inputs of exactly `length` real tokens
        pool = [t for ids in scorer.encode(texts, contexts)[0] for t in ids[1:-1]]
        ids = [[0] + pool[i * 7 % (len(pool) - length):][: length - 2] + [2] for i in range(n)]
        run(ids[:64])
        start = time.perf_counter()
        run(ids)
        return {"messages": n, "msgs_per_s": round(n / (time.perf_counter() - start), 1)}
    run(scorer.encode(texts[:64], contexts[:64])[0])         # warm up
    start = time.perf_counter()
    ids, _ = scorer.encode(texts, contexts)
    tokenize_s = time.perf_counter() - start
    run(ids)
    seconds = time.perf_counter() - start
    return {"messages": n, "seconds": round(seconds, 2), "msgs_per_s": round(n / seconds, 1),
            "tokenize_share": round(tokenize_s / seconds, 3),
            "mean_tokens": round(sum(len(x) for x in ids) / n, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_torch_pipeline(run_dir: str, n: int, threads: int | None) -> dict:
    """The same fine-tuned weights through `transformers.pipeline("text-classification")` in PyTorch:
    what a data scientist would write first (batch_size 32, sigmoid, all labels)."""
    import torch
    from transformers import AutoTokenizer, PreTrainedModel, pipeline
    from transformers.modeling_outputs import SequenceClassifierOutput

    from inference.config import load_config
    from inference.taxonomy import LABELS
    from training.config import FitConfig
    from training.fit import build_model, load_weights

    torch.set_num_threads(threads or len(os.sched_getaffinity(0)))
    cfg = load_config(FitConfig, Path(run_dir) / "config.yaml")
    clf = build_model(cfg)
    load_weights(clf, Path(run_dir) / "best")
    config = clf.encoder.config
    config.num_labels, config.problem_type = len(LABELS), "multi_label_classification"
    config.id2label = dict(enumerate(LABELS))
    config.label2id = {v: k for k, v in config.id2label.items()}

    class Wrapped(PreTrainedModel):
        config_class = type(config)
        _supports_sdpa = True              # attention runs inside the wrapped BERT

        def __init__(self, cfg_, inner):
            super().__init__(cfg_)
            self.inner = inner

        def forward(self, input_ids=None, attention_mask=None, **_):
            return SequenceClassifierOutput(logits=self.inner(input_ids, attention_mask))

    model = Wrapped(config, clf).eval()
    tok = AutoTokenizer.from_pretrained(cfg.base_model)
    pipe = pipeline("text-classification", model=model, tokenizer=tok, top_k=None, function_to_apply="sigmoid",
                    device="cpu", truncation=True, max_length=cfg.train.max_length)
    texts, contexts = sample(n)
    inputs = [{"text": cfg.train.prefix + t, "text_pair": c} if c else cfg.train.prefix + t
              for t, c in zip(texts, contexts)]
    pipe(inputs[:32], batch_size=32)
    start = time.perf_counter()
    with torch.inference_mode():
        pipe(inputs, batch_size=32)
    seconds = time.perf_counter() - start
    return {"messages": n, "seconds": round(seconds, 2), "msgs_per_s": round(n / seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _unsorted(scorer):
    import numpy as np

    def run(ids):
        out = np.zeros((len(ids), len(scorer.info.labels)), dtype=np.float32)
        for start in range(0, len(ids), scorer.batch_size):
            batch = ids[start:start + scorer.batch_size]
            width = max(len(x) for x in batch)
            input_ids = np.full((len(batch), width), scorer.pad_id, dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for row, x in enumerate(batch):
                input_ids[row, :len(x)] = x
                mask[row, :len(x)] = 1
            (out[start:start + len(batch)],) = scorer.session.run(["probs"], {"input_ids": input_ids,
                                                                             "attention_mask": mask})
        return out
    return run


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--fp32-dir", default=None, help="a model directory with the fp32 graph "
                                                      "(default: build/runs/<name>/export if present)")
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--graph", default="int8", help=argparse.SUPPRESS)
    ap.add_argument("--no-grouping", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--length", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.graph == "torch":
            print(json.dumps(run_torch_pipeline(args.model, args.n, args.threads)))
        else:
            print(json.dumps(run_variant(args.model, args.graph, args.n, not args.no_grouping, args.threads,
                                         args.length)))
        return
    from inference.batch import resolve_model
    from inference.model_dir import read_info

    model = resolve_model(Path(args.model) if args.model else None)
    info = read_info(model)
    fp32_dir = Path(args.fp32_dir) if args.fp32_dir else ROOT / "build" / "runs" / info.name / "export"
    common = ["-n", str(args.n)] + (["--threads", str(args.threads)] if args.threads else [])
    figures: dict = {"model": info.tag, "messages": args.n,
                     "hardware": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    g = info.default_graph                  # the shipped graph: int8 for the default model
    shipped = child(["--model", str(model), "--graph", g, *common])
    figures.update({f"msgs_per_s_{g}": shipped["msgs_per_s"], f"peak_rss_mb_{g}": shipped["peak_rss_mb"],
                    "mean_tokens": shipped["mean_tokens"], "tokenize_share": shipped["tokenize_share"]})
    unsorted = child(["--model", str(model), "--graph", g, "--no-grouping", *common])
    figures.update({f"msgs_per_s_{g}_no_grouping": unsorted["msgs_per_s"],
                    "ratio_grouping": round(shipped["msgs_per_s"] / unsorted["msgs_per_s"], 2)})
    if g != "fp32" and (fp32_dir / "model.fp32.onnx").exists():
        fp32 = child(["--model", str(fp32_dir), "--graph", "fp32", *common])
        figures.update(msgs_per_s_fp32=fp32["msgs_per_s"], peak_rss_mb_fp32=fp32["peak_rss_mb"],
                       ratio_int8_vs_fp32=round(shipped["msgs_per_s"] / fp32["msgs_per_s"], 2))
    run_dir = fp32_dir.parent
    if (run_dir / "best" / "model.safetensors").exists() and (run_dir / "config.yaml").exists():
        torch_r = child(["--model", str(run_dir), "--graph", "torch", *common])
        figures.update(msgs_per_s_torch_pipeline=torch_r["msgs_per_s"], peak_rss_mb_torch=torch_r["peak_rss_mb"],
                       ratio_int8_vs_torch=round(shipped["msgs_per_s"] / torch_r["msgs_per_s"], 2))
    for length in (8, 32, 128):            # the model's max_length is 128: longer texts are cut
        r = child(["--model", str(model), "--graph", g, "--length", str(length), "-n", "2000"]
                  + (["--threads", str(args.threads)] if args.threads else []))
        figures[f"msgs_per_s_{g}_len{length}"] = r["msgs_per_s"]
    print(f"{g}: {figures[f'msgs_per_s_{g}']} msgs/s (peak {figures[f'peak_rss_mb_{g}']} MB), without length "
          f"grouping {figures[f'msgs_per_s_{g}_no_grouping']} (x{figures['ratio_grouping']}); "
          + (f"fp32: {figures['msgs_per_s_fp32']} msgs/s ({g} x{figures['ratio_int8_vs_fp32']}); "
             if "ratio_int8_vs_fp32" in figures else "")
          + (f"torch pipeline: {figures['msgs_per_s_torch_pipeline']} msgs/s ({g} x{figures['ratio_int8_vs_torch']}); "
             if "ratio_int8_vs_torch" in figures else "")
          + "by length: " + ", ".join(f"{n} tok {figures[f'msgs_per_s_{g}_len{n}']}/s" for n in (8, 32, 128)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
