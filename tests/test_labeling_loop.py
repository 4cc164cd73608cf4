"""The labeling loop: select, Label Studio round trip, import validation, kappa, audit, add."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeling.agree import agreement, cohen_kappa
from labeling.labelstudio import from_tasks, label_config, to_tasks
from labeling.select import Candidate, select
from tests.conftest import MESSAGES, run_cli, write_jsonl

THRESHOLDS = {"meaningless": 0.5, "deflection": 0.5, "unilateral_change": 0.5, "extra_charge": 0.5,
              "commitment": 0.5}


def _scores(**kw) -> dict[str, float]:
    return {**{k: 0.05 for k in THRESHOLDS}, **kw}


def test_select_picks_disagreements_and_uncertain_texts_without_near_duplicates() -> None:
    cands = [
        Candidate("a", "请联系在线客服处理", None, _scores(), []),                       # rules say deflection
        Candidate("b", "请联系在线客服处理！", None, _scores(), []),                     # near-duplicate of a
        Candidate("c", "经检测为人为损坏，不在保修范围", None, _scores(deflection=0.49), []),   # uncertain
        Candidate("d", "已退款，请查收", None, _scores(), []),                            # sure and agreed
    ]
    picked = select(cands, 3, THRESHOLDS)
    ids = [p["id"] for p in picked]
    assert "b" not in ids and ids[:2] == ["a", "c"]
    assert "disagree" in picked[0]["reason"] and picked[0]["rule_labels"] == ["deflection"]
    assert picked[1]["reason"].startswith("uncertain: deflection scored 0.490")


def test_label_studio_round_trip_keeps_every_label() -> None:
    rows = [{"id": m["id"], "text": m["text"], "context": m.get("context"), "model_labels": m["labels"],
             "scores": {label: 0.9 for label in m["labels"]}} for m in MESSAGES]
    tasks = to_tasks(rows, model="tiny@0")
    assert tasks[1]["data"]["context"] == "我要退货，质量有问题" and tasks[1]["predictions"][0]["model_version"] == "tiny@0"
    for task in tasks:                               # an annotator accepts every pre-annotation
        task["annotations"] = [{"result": task["predictions"][0]["result"], "created_at": "2026-11-26"}]
    good, bad = from_tasks(json.loads(json.dumps(tasks)))
    assert not bad
    assert [(g["id"], g["labels"]) for g in good] == [(m["id"], m["labels"]) for m in MESSAGES]
    assert '<Choices name="labels" toName="text" choice="multiple"' in label_config()


def test_import_rejects_bad_annotations_with_positions() -> None:
    def task(labels, **data):
        return {"data": {"id": "x", "text": "好的", **data},
                "annotations": [{"result": [{"from_name": "labels", "to_name": "text", "type": "choices",
                                             "value": {"choices": labels}}]}]}
    tasks = [task(["meaningless"]), task(["rude"]), {"data": {"id": "y", "text": "好"}, "annotations": []},
             task(["deflection"], text="  "), task(["deflection"], id=None)]
    good, bad = from_tasks(tasks)
    assert [g["labels"] for g in good] == [["meaningless"]]
    assert [(b["line"], b["field"]) for b in bad] == [(2, "labels"), (3, "annotations"), (4, "text"), (5, "id")]
    assert "unknown label 'rude'" in bad[0]["error"]


def test_cohen_kappa_known_example() -> None:
    # 50 items: both yes 20, A only 5, B only 10, both no 15 -> p_o 0.7, p_e 0.5, kappa 0.4
    a = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    first = {"1": {"labels": ["deflection"], "text": "t1"}, "2": {"labels": [], "text": "t2"}}
    second = {"1": {"labels": ["deflection"]}, "2": {"labels": ["meaningless"]}}
    result = agreement(first, second)
    assert result["per_label"]["deflection"]["kappa"] == 1.0 and [d["id"] for d in result["disagreements"]] == ["2"]


def test_audit_finds_labels_flipped_on_purpose() -> None:
    pytest.importorskip("sklearn")
    from labeling.audit import label_issues
    from labeling.gold import parse_gold_message
    from training.oof import out_of_fold

    templates = [("请联系在线客服处理{}号单", ["deflection"]), ("运费我们承担，今天给您退{}元", ["commitment"]),
                 ("经检测为人为损坏{}处，不予退货", [])]
    rows = [{"id": f"r{k}-{i}", "text": t.format(i * 7 + k), "labels": list(labels), "source": "t"}
            for k, (t, labels) in enumerate(templates) for i in range(30)]
    flipped = {"r0-3": [], "r1-5": [], "r2-7": ["deflection"]}
    for r in rows:
        r["labels"] = flipped.get(r["id"], r["labels"])
    records = [parse_gold_message(r, max_chars=200) for r in rows]
    issues = label_issues(out_of_fold(records, folds=5), {r["id"]: r for r in rows})
    top = {i["id"] for i in issues[:6]}
    assert set(flipped) <= top


def test_add_puts_new_records_in_their_hash_split_and_versions_the_manifest(project: Path) -> None:
    from labeling.config import SplitConfig
    from labeling.splits import assign_split, read_manifest, split_key

    assert run_cli("label", "split") == 0
    before = read_manifest(project / "labeling/data/splits.json")
    new = [{"id": "n1", "text": "仓库还在核实，等通知吧", "labels": ["meaningless", "deflection"], "source": "ls"},
           {"id": "m2", "text": "好的", "context": "我要退货，质量有问题", "labels": ["meaningless"], "source": "relabel"}]
    write_jsonl(project / "new.jsonl", new)
    assert run_cli("label", "add", "new.jsonl") == 0
    after = read_manifest(project / "labeling/data/splits.json")
    assert after["data_version"] == before.get("data_version", 1) + 1 and after["previous_sha256"]
    cfg = SplitConfig(**after["split"])
    assert "n1" in after["splits"][assign_split(split_key(new[0]["text"]), cfg)]
    ids = [json.loads(x)["id"] for x in (project / "labeling/data/messages.jsonl").read_text().splitlines()]
    assert ids.count("m2") == 1 and "n1" in ids
    assert run_cli("label", "check") == 0


def test_select_export_import_cli(project: Path, tiny_model_dir: Path) -> None:
    write_jsonl(project / "pool_msgs.jsonl", [{"id": m["id"], "text": m["text"], **({"context": m["context"]}
                                                                                    if "context" in m else {})}
                                              for m in MESSAGES])
    assert run_cli("score", "-i", "pool_msgs.jsonl", "-o", "pool.jsonl", "-m", str(tiny_model_dir)) == 0
    assert run_cli("label", "select", "--pool", "pool.jsonl", "--messages", "pool_msgs.jsonl", "-n", "4",
                   "-m", str(tiny_model_dir), "-o", "sel.jsonl") == 0
    selected = [json.loads(x) for x in (project / "sel.jsonl").read_text().splitlines()]
    assert 1 <= len(selected) <= 4 and all(s["reason"] for s in selected)
    assert run_cli("label", "export", "-i", "sel.jsonl", "-o", "ls/tasks.json") == 0
    tasks = json.loads((project / "ls/tasks.json").read_text())
    for t in tasks:
        t["annotations"] = [{"result": [{"from_name": "labels", "to_name": "text", "type": "choices",
                                         "value": {"choices": ["deflection"]}}]}]
    tasks[0]["annotations"][0]["result"][0]["value"]["choices"] = ["nonsense"]
    (project / "ls/export.json").write_text(json.dumps(tasks, ensure_ascii=False))
    assert run_cli("label", "import", "-i", "ls/export.json", "-o", "labeled.jsonl") == 0
    assert len((project / "labeled.jsonl").read_text().splitlines()) == len(tasks) - 1
    rejected = [json.loads(x) for x in (project / "labeled.jsonl.rejected.jsonl").read_text().splitlines()]
    assert rejected[0]["line"] == 1 and "nonsense" in rejected[0]["error"]
