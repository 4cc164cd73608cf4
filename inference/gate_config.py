"""The rule gate's config (`configs/gate.yaml`, version `gate.v1`): SLAs, reactions, measures.

Rules that the platform may tune (hours, tolerances, which consumer events
count as a reaction, the measures it may take) live in this versioned file,
not in code; the gate's logic reads them from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from inference.config import StrictModel, load_config
from inference.taxonomy import EVENT_KINDS, LABELS

DEFAULT_GATE = Path(__file__).resolve().parents[1] / "configs" / "gate.yaml"


class Sla(StrictModel):
    first_action_hours: float = Field(48, gt=0)
    after_return_hours: float = Field(48, gt=0)


class Reactions(StrictModel):
    R1: list[str] = ["dispute", "complaint", "urge"]
    R2: list[str] = ["dispute", "complaint"]
    R4: list[str] = ["dispute", "complaint"]
    T1: list[str] = ["dispute", "complaint", "urge"]


class P4(StrictModel):
    tolerance: float = Field(0.20, ge=0)


class Contact(StrictModel):
    placeholder_phones: list[str] = ["13800000000", "13888888888", "12345678901"]


class S1(StrictModel):
    rank_below: float = Field(0.60, gt=0, le=1)
    publish_day: int = Field(7, ge=1, le=28)


class Measures(StrictModel):
    R: list[str]
    T: list[str]
    P: list[str]
    S: list[str]


class GateConfig(StrictModel):
    version: Literal["gate.v1"] = "gate.v1"
    sla: Sla = Sla()
    actions: list[str] = ["approve", "reject", "close", "negotiate_reject", "refund"]
    reactions: Reactions = Reactions()
    baseless_labels: list[str] = ["meaningless", "deflection"]
    p4: P4 = P4()
    contact: Contact = Contact()
    s1: S1 = S1()
    measures: Measures

    @model_validator(mode="after")
    def _names(self) -> "GateConfig":
        kinds = set(self.actions) | {k for r in self.reactions.model_dump().values() for k in r}
        unknown = kinds - set(EVENT_KINDS)
        if unknown:
            raise ValueError(f"unknown event kinds: {sorted(unknown)}")
        if set(self.baseless_labels) - set(LABELS):
            raise ValueError(f"unknown labels in baseless_labels: {self.baseless_labels}")
        return self


def load_gate_config(path: Path | None = None, overrides: list[str] | None = None) -> GateConfig:
    return load_config(GateConfig, path or DEFAULT_GATE, overrides)
