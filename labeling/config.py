"""The data config (`configs/data.yaml`): where the gold data lives and how it is split and augmented."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from inference.config import StrictModel


class Paths(StrictModel):
    messages: Path = Path("labeling/data/messages.jsonl")
    outofstyle: Path = Path("labeling/data/messages_outofstyle.jsonl")
    tickets: Path = Path("labeling/data/tickets.jsonl")
    tickets_heldout: Path = Path("labeling/data/tickets_heldout.jsonl")   # never used to develop the gate
    store_months: Path = Path("labeling/data/store_months.jsonl")
    splits: Path = Path("labeling/data/splits.json")


class Limits(StrictModel):
    gold_max_chars: int = Field(200, gt=0)
    outofstyle_max_chars: int = Field(400, gt=0)


class SplitConfig(StrictModel):
    # Changing the salt reshuffles every split: it is part of the manifest.
    salt: str = "aftersales-guard/split/v1"
    dev: float = Field(0.15, gt=0, lt=0.5)
    test: float = Field(0.15, gt=0, lt=0.5)


class AugmentConfig(StrictModel):
    seed: int = 20261126
    copies: int = Field(2, ge=1, le=20)
    boilerplate: float = Field(0.5, ge=0, le=1)
    emoji: float = Field(0.3, ge=0, le=1)
    typo: float = Field(0.35, ge=0, le=1)
    traditional: float = Field(0.1, ge=0, le=1)
    order_noise: float = Field(0.2, ge=0, le=1)


class DataConfig(StrictModel):
    format_version: int = 1
    paths: Paths = Paths()
    limits: Limits = Limits()
    split: SplitConfig = SplitConfig()
    augment: AugmentConfig = AugmentConfig()

    @model_validator(mode="after")
    def _known_format(self) -> "DataConfig":
        if self.format_version != 1:
            raise ValueError(f"format_version {self.format_version} is not supported (expected 1)")
        return self
