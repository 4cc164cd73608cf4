"""Leak-proof train/dev/test splits by a stable hash of the normalized text.

Two texts that differ only in punctuation, whitespace, emoji, emoticon codes,
case, width or simplified/traditional script share a key and therefore a
split, so a near-duplicate cannot sit in train while its twin is scored in
test. The assignment is frozen in `splits.json` with every data file's sha256;
the test split is handed out only to final reports (`allow_test=True`).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from inference.errors import UsageError
from inference.model_dir import sha256_file
from inference.optional import require
from inference.taxonomy import LABELS, TAXONOMY_VERSION
from labeling.config import SplitConfig

SPLITS = ("train", "dev", "test")
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,6}\]")   # platform emoticon codes such as [微笑]
MANIFEST_VERSION = 1


@lru_cache(maxsize=1)
def _to_simplified():
    return require("zhconv", "label").convert


def split_key(text: str) -> str:
    """The near-duplicate key: letters and digits only, simplified, NFKC, lower case.

    A text with no letters or digits at all (`。。。`, `😊`) keys on its raw
    non-space characters, so that all symbol-only texts do not collapse into a
    single group that would land wholly in one split.
    """
    norm = unicodedata.normalize("NFKC", _EMOTICON.sub("", text))
    norm = _to_simplified()(norm, "zh-hans").lower()
    kept = "".join(ch for ch in norm if unicodedata.category(ch)[0] in "LN")
    return kept or "".join(text.split())


def assign_split(key: str, cfg: SplitConfig) -> str:
    """A fixed point in [0, 1) from sha256(salt, key): test, then dev, then train."""
    digest = hashlib.sha256(f"{cfg.salt}\x1f{key}".encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < cfg.test:
        return "test"
    return "dev" if u < cfg.test + cfg.dev else "train"


def build_manifest(records: Iterable[Any], cfg: SplitConfig, files: dict[str, Path]) -> dict[str, Any]:
    """The frozen split manifest for gold message records (objects with id, text, labels);
    `data_version` and `previous_sha256` are set by whoever replaces an older manifest."""
    assignments: dict[str, list[str]] = {s: [] for s in SPLITS}
    counts: dict[str, Counter] = {s: Counter() for s in SPLITS}
    for rec in records:
        split = assign_split(split_key(rec.text), cfg)
        assignments[split].append(rec.id)
        counts[split]["records"] += 1
        counts[split].update(rec.labels or ["(none)"])
    return {
        "format_version": MANIFEST_VERSION,
        "data_version": 1,
        "previous_sha256": None,
        "taxonomy": TAXONOMY_VERSION,
        "split": cfg.model_dump(mode="json"),
        "files": {name: {"path": str(p), "sha256": sha256_file(p)} for name, p in sorted(files.items())},
        "counts": {s: {k: counts[s][k] for k in ("records", *LABELS, "(none)")} for s in SPLITS},
        "splits": {s: sorted(ids) for s, ids in assignments.items()},
    }


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"split manifest not found: {path} (run `aftersales label split`)") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if manifest.get("format_version") != MANIFEST_VERSION:
        raise UsageError(f"{path}: format_version {manifest.get('format_version')!r} is not supported")
    return manifest


def split_ids(manifest: dict[str, Any], split: str, *, allow_test: bool = False) -> set[str]:
    """The ids of one split. Asking for test without `allow_test` is a bug in the caller:
    the test split feeds final reports only, never training, thresholds or model selection."""
    if split not in SPLITS:
        raise UsageError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    if split == "test" and not allow_test:
        raise UsageError("the test split is reserved for final reports (pass allow_test=True there)")
    return set(manifest["splits"][split])
