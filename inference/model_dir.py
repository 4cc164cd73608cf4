"""Model directories: what a model is made of, and the check that it is what was exported.

`manifest.json` lists every file with its sha256. Nothing is loaded from a
directory whose files do not match it: a truncated copy, a hand edit, or a
swapped graph is refused with the file's name, before any bytes reach
onnxruntime.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import UsageError
from inference.taxonomy import LABELS

MODEL_FORMAT = 1
MANIFEST = "manifest.json"
MODEL_JSON = "model.json"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "aftersales-zh-small"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(model_dir: Path) -> dict[str, str]:
    """Hash every file under the directory (but the manifest itself)."""
    files = {p.relative_to(model_dir).as_posix(): sha256_file(p)
             for p in sorted(model_dir.rglob("*")) if p.is_file() and p.name != MANIFEST}
    (model_dir / MANIFEST).write_text(json.dumps({"format_version": MODEL_FORMAT, "sha256": files},
                                                 indent=1) + "\n")
    return files


def verify(model_dir: Path) -> None:
    """Refuse a directory whose files differ from its manifest (missing, changed or unlisted)."""
    path = model_dir / MANIFEST
    if not path.exists():
        raise UsageError(f"{model_dir}: no {MANIFEST}; refusing to load an unverified model")
    recorded = json.loads(path.read_text())["sha256"]
    for name, digest in recorded.items():
        f = model_dir / name
        if not f.is_file():
            raise UsageError(f"{model_dir}: {name} is listed in {MANIFEST} but missing")
        if sha256_file(f) != digest:
            raise UsageError(f"{model_dir}: {name} does not match its sha256 in {MANIFEST}")
    present = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    unlisted = sorted(present - set(recorded) - {MANIFEST})
    if unlisted:
        raise UsageError(f"{model_dir}: {unlisted[0]} is not listed in {MANIFEST}")


@dataclass(frozen=True)
class ModelInfo:
    """`model.json`: what the scorer needs to reproduce training-time preprocessing."""

    name: str
    version: str
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    max_length: int
    prefix: str
    use_context: bool
    graphs: dict[str, str]          # variant -> file, e.g. {"int8": "model.int8.onnx"}
    default_graph: str
    pad_id: int
    raw: dict[str, Any]

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def read_info(model_dir: Path) -> ModelInfo:
    try:
        raw = json.loads((model_dir / MODEL_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{model_dir}: not a model directory (no {MODEL_JSON})") from None
    if raw.get("format_version") != MODEL_FORMAT:
        raise UsageError(f"{model_dir}: model format {raw.get('format_version')!r} is not supported")
    labels = tuple(raw["labels"])
    if labels != LABELS:
        raise UsageError(f"{model_dir}: labels {labels} differ from this taxonomy's {LABELS}")
    return ModelInfo(name=raw["name"], version=raw["version"], labels=labels,
                     thresholds={k: float(v) for k, v in raw["thresholds"].items()},
                     max_length=int(raw["max_length"]), prefix=raw.get("prefix", ""),
                     use_context=bool(raw["use_context"]), graphs=dict(raw["graphs"]),
                     default_graph=raw["default_graph"], pad_id=int(raw["pad_id"]), raw=raw)
