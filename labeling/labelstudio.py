"""Round trips with Label Studio (multi-label text classification) and plain JSONL.

Export writes tasks with the text, the consumer's context shown beside it,
and the model's labels as pre-annotations; plus the labeling config to paste
into a Label Studio project. Import reads Label Studio's JSON export (or plain
JSONL with `labels`), validates every annotation against the taxonomy and
returns what it rejected, each with its position and reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inference.errors import RecordError
from inference.records import parse_message
from inference.taxonomy import LABELS, LABELS_ZH

FROM_NAME, TO_NAME = "labels", "text"


def label_config() -> str:
    choices = "\n".join(f'    <Choice value="{label}" hint="{LABELS_ZH[label]}"/>' for label in LABELS)
    return (f'<View>\n  <Header value="Consumer (context)"/>\n  <Text name="context" value="$context"/>\n'
            f'  <Header value="Merchant text"/>\n  <Text name="{TO_NAME}" value="$text"/>\n'
            f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" showInLine="true">\n{choices}\n'
            f'  </Choices>\n</View>\n')


def to_tasks(rows: Sequence[dict[str, Any]], *, model: str | None = None) -> list[dict[str, Any]]:
    """Rows with id, text, context?, and model_labels/labels + scores -> Label Studio tasks."""
    tasks = []
    for row in rows:
        data = {"id": row["id"], "text": row["text"], "context": row.get("context") or ""}
        for key in ("reason",):
            if row.get(key):
                data[key] = row[key]
        task: dict[str, Any] = {"data": data}
        labels = row.get("model_labels", row.get("labels"))
        if labels is not None:
            scores = row.get("scores") or {}
            task["predictions"] = [{
                "model_version": model or "aftersales",
                "score": max((scores.get(label, 0.0) for label in labels), default=0.0),
                "result": [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                            "value": {"choices": list(labels)}}]}]
        tasks.append(task)
    return tasks


def _choices(annotation: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for item in annotation.get("result", []):
        if item.get("from_name") == FROM_NAME and item.get("type") == "choices":
            out.extend(item.get("value", {}).get("choices", []))
    return out


def _record(data: dict[str, Any], labels: Any, source: str) -> dict[str, Any]:
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise RecordError("labels must be a list of label names", field="labels")
    unknown = [x for x in labels if x not in LABELS]
    if unknown:
        raise RecordError(f"unknown label {unknown[0]!r}; allowed: {', '.join(LABELS)}", field="labels")
    msg = parse_message({"id": data.get("id"), "text": data.get("text"), "context": data.get("context")})
    rec = {"id": msg.id, "text": msg.text, **({"context": msg.context} if msg.context else {}),
           "labels": [x for x in LABELS if x in labels], "source": source}
    return rec


def from_tasks(tasks: Any, *, source: str = "labelstudio") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Label Studio export -> (gold records, rejections with 1-based task position and reason)."""
    if not isinstance(tasks, list):
        return [], [{"line": 0, "id": None, "field": "record", "error": "a Label Studio export is a JSON list of tasks"}]
    good, bad = [], []
    for pos, task in enumerate(tasks, start=1):
        data = task.get("data", {}) if isinstance(task, dict) else {}
        try:
            annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")] \
                if isinstance(task, dict) else []
            if not annotations:
                raise RecordError("task has no annotation", field="annotations")
            latest = max(annotations, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
            good.append(_record(data, _choices(latest), source))
        except RecordError as err:
            bad.append({"line": pos, "id": data.get("id"), "field": err.field, "error": err.error})
    return good, bad


def from_jsonl(path: Path, *, source: str = "jsonl") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from inference.jsonl import read_jsonl

    good, bad = [], []
    for line, obj in read_jsonl(path):
        try:
            if isinstance(obj, RecordError):
                raise obj
            good.append(_record(obj, obj.get("labels"), obj.get("source") or source))
        except RecordError as err:
            bad.append({"line": line, "id": obj.get("id") if isinstance(obj, dict) else None,
                        "field": err.field, "error": err.error})
    return good, bad


def read_import(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A Label Studio JSON export (.json) or plain JSONL with labels (.jsonl)."""
    if path.suffix.lower() == ".json":
        try:
            tasks = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            return [], [{"line": exc.lineno, "id": None, "field": "record", "error": f"bad JSON: {exc.msg}"}]
        return from_tasks(tasks)
    return from_jsonl(path)
