"""YAML configs: validated, unknown keys rejected, dotted overrides, saved with artifacts.

Each room declares its config as pydantic models built on `StrictModel`; this
module is the one way to load them, so every command treats a typo in a
config file or an override the same way: a one-line error naming the key.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from inference.errors import UsageError

Cfg = TypeVar("Cfg", bound=BaseModel)


class StrictModel(BaseModel):
    """A config section: no hidden defaults from typos, no mutation after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for i, key in enumerate(parents):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise UsageError(f"override {dotted!r}: {'.'.join(parents[:i + 1])} is not a section")
        node = child
    node[leaf] = value


def apply_overrides(tree: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides; values are parsed as YAML scalars (7, 0.5, true, [1,2])."""
    out = yaml.safe_load(yaml.safe_dump(tree)) or {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"override {item!r} is not of the form key.path=value")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise UsageError(f"override {item!r}: bad value ({exc.__class__.__name__})") from None
        _set_dotted(out, key.strip(), value)
    return out


def _explain(exc: ValidationError, source: str) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top)"
    msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {loc}: {msg}{more}"


def load_config(model: type[Cfg], path: Path | None = None, overrides: list[str] | None = None) -> Cfg:
    """Read YAML (or start from the model's defaults), apply overrides, validate."""
    tree: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            tree = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise UsageError(f"config file not found: {path}") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(tree, dict):
            raise UsageError(f"{path}: top level must be a mapping")
    tree = apply_overrides(tree, overrides or [])
    try:
        return model.model_validate(tree)
    except ValidationError as exc:
        raise UsageError(_explain(exc, source)) from None


def resolved_yaml(config: BaseModel, *, argv: list[str] | None = None) -> str:
    """The config as used, plus the command line that produced the artifact."""
    argv = list(argv if argv is not None else sys.argv)
    if argv:
        argv[0] = Path(argv[0]).name       # the program, not the machine's venv path
    command = shlex.join(argv)
    body = yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    return f"# command: {command}\n{body}"


def save_resolved(config: BaseModel, artifact: Path, *, argv: list[str] | None = None) -> Path:
    """Write `<artifact>.config.yaml` (or `config.yaml` inside a directory artifact)."""
    artifact = Path(artifact)
    target = artifact / "config.yaml" if artifact.is_dir() else artifact.with_name(artifact.name + ".config.yaml")
    target.write_text(resolved_yaml(config, argv=argv), encoding="utf-8")
    return target
