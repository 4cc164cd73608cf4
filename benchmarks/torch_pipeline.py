"""The PyTorch baseline: the fine-tuned weights through `transformers.pipeline("text-classification")`.

This is the job a data scientist would write first: read JSONL, run the
pipeline in batches of 32 with a sigmoid over every label, write JSONL. It
reads the same input and writes the same `scores` field as `aftersales
score`, so `throughput.py` can time both as whole jobs and compare their
decisions. Needs the `train` extra (torch, transformers).

    python benchmarks/torch_pipeline.py --weights models/aftersales-zh-small-weights -i in.jsonl -o out.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_pipeline(weights: Path, threads: int | None):
    import torch
    from transformers import AutoTokenizer, PreTrainedModel, pipeline
    from transformers.modeling_outputs import SequenceClassifierOutput

    from training.weights import CLASSIFIER, load_classifier

    torch.set_num_threads(threads or len(os.sched_getaffinity(0)))
    meta = json.loads((weights / CLASSIFIER).read_text())
    clf = load_classifier(weights)
    config = clf.encoder.config
    config.num_labels, config.problem_type = len(meta["labels"]), "multi_label_classification"
    config.id2label = dict(enumerate(meta["labels"]))
    config.label2id = {v: k for k, v in config.id2label.items()}

    class MeanPooled(PreTrainedModel):
        """Our head over mean-pooled states, in the interface the pipeline expects."""

        config_class = type(config)
        _supports_sdpa = True              # attention runs inside the wrapped BERT

        def __init__(self, cfg_, inner):
            super().__init__(cfg_)
            self.inner = inner

        def forward(self, input_ids=None, attention_mask=None, **_):
            return SequenceClassifierOutput(logits=self.inner(input_ids, attention_mask))

    tok = AutoTokenizer.from_pretrained(weights, local_files_only=True)
    pipe = pipeline("text-classification", model=MeanPooled(config, clf).eval(), tokenizer=tok, top_k=None,
                    function_to_apply="sigmoid", device="cpu", truncation=True, max_length=meta["max_length"])
    return pipe, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("-i", "--input", type=Path, required=True)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    import torch

    pipe, meta = build_pipeline(args.weights, args.threads)
    rows = [json.loads(line) for line in args.input.read_text(encoding="utf-8").splitlines()]
    prefix, use_ctx = meta["prefix"], meta["use_context"]
    inputs = [{"text": prefix + r["text"], "text_pair": r["context"]} if use_ctx and r.get("context")
              else prefix + r["text"] for r in rows]
    with torch.inference_mode():
        results = pipe(inputs, batch_size=args.batch_size)
    with open(args.output, "w", encoding="utf-8") as out:
        for row, result in zip(rows, results):
            scores = {d["label"]: round(float(d["score"]), 6) for d in result}
            out.write(json.dumps({"id": row["id"], "scores": scores}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
