"""The labeling commands end to end on the fixture project, as a data scientist runs them."""

import json
from pathlib import Path

import pytest
import yaml

from inference.cli import main
from tests.conftest import MESSAGES, write_jsonl


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    return info.value.code


def test_split_then_lf_report_writes_report_and_config(project: Path, capsys) -> None:
    assert run("label", "split") == 0
    assert run("label", "lf-report", "--output-dir", "out") == 0
    report = json.loads((project / "out/lf_report.json").read_text())
    assert {r["name"] for r in report["functions"]} >= {"contact_support", "symbols_only"}
    assert "Majority vote on outofstyle" in (project / "out/lf_report.md").read_text()
    resolved = yaml.safe_load((project / "out/lf_report.md.config.yaml").read_text())
    assert resolved["split"]["dev"] == 0.3


def test_augment_writes_only_train_records_with_config(project: Path) -> None:
    assert run("label", "split") == 0
    assert run("label", "augment", "--output", "aug.jsonl", "--set", "augment.copies=3") == 0
    manifest = json.loads((project / "labeling/data/splits.json").read_text())
    train = set(manifest["splits"]["train"])
    rows = [json.loads(line) for line in (project / "aug.jsonl").read_text().splitlines()]
    assert rows and {r["parent"] for r in rows} <= train
    assert yaml.safe_load((project / "aug.jsonl.config.yaml").read_text())["augment"]["copies"] == 3


def test_weak_labels_good_rows_and_routes_bad_rows(project: Path) -> None:
    write_jsonl(project / "pool.jsonl", [
        {"id": "p1", "text": "请联系在线客服", "shop": "s9"},
        '{"id": "p2", "text": ',
        {"id": "p3", "text": ""},
        {"id": "p4", "text": "已反馈"},
    ])
    assert run("label", "weak", "-i", "pool.jsonl", "-o", "weak.jsonl") == 0
    rows = [json.loads(line) for line in (project / "weak.jsonl").read_text().splitlines()]
    assert [(r["id"], r["labels"]) for r in rows] == [("p1", ["deflection"]),
                                                       ("p4", ["meaningless", "deflection"])]
    assert rows[0]["shop"] == "s9"                       # extra fields carried through
    errors = [json.loads(line) for line in (project / "weak.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "record"), (3, "text")]


def test_bad_override_exits_2_with_one_line(project: Path, capsys) -> None:
    assert run("label", "split", "--set", "split.nope=1") == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: configs/data.yaml: split.nope: unknown key"


def test_lf_report_refuses_unchecked_data(project: Path, capsys) -> None:
    assert run("label", "split") == 0
    write_jsonl(project / "labeling/data/messages.jsonl", [*MESSAGES, {"id": "bad"}])
    assert run("label", "lf-report", "--output-dir", "out") == 2
    assert "run `aftersales label check`" in capsys.readouterr().err
