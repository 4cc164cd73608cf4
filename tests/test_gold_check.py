"""`label check`: every kind of bad gold record is named by file, line, record and field."""

import json
from pathlib import Path

import pytest

from labeling.check import format_report, run_check
from labeling.splits import read_manifest, write_manifest
from tests.conftest import MESSAGES, write_jsonl


def _split(project: Path) -> None:
    from inference.cli import main
    with pytest.raises(SystemExit) as info:
        main(["label", "split"])
    assert info.value.code == 0


def _errors(data_config) -> list[str]:
    return run_check(data_config).errors


def test_clean_data_passes_and_counts_labels(project: Path, data_config) -> None:
    _split(project)
    report = run_check(data_config)
    assert report.ok, report.errors
    total = sum(report.label_counts[s]["records"] for s in ("train", "dev", "test") if s in report.label_counts)
    assert total == len(MESSAGES)
    assert report.code_counts["R3_baseless_reject"] == 1
    assert "deflection" in format_report(report)


@pytest.mark.parametrize("bad_line, fragment", [
    ('{"id": "x1", "text": "好", "labels": [', "bad JSON"),
    ({"id": "x1", "text": "好", "labels": ["rude"], "source": "t"}, "field 'labels': unknown name 'rude'"),
    ({"id": "x1", "text": "  ", "labels": [], "source": "t"}, "field 'text': empty"),
    ({"id": "x1", "text": "好", "source": "t"}, "field 'labels': must be a list"),
    ({"id": "x1", "text": "好", "labels": []}, "field 'source': missing"),
    ({"text": "好", "labels": [], "source": "t"}, "field 'id': missing"),
    ({"id": "m1", "text": "另一个", "labels": [], "source": "t"}, "field 'id': duplicate id (first on line 1)"),
    ({"id": "x1", "text": "好" * 201, "labels": [], "source": "t"}, "over the limit of 200"),
    ({"id": "x1", "text": "已帮您改为换货", "labels": [], "source": "t"}, "same text and context as line 3"),
])
def test_bad_message_named_by_file_and_line(project: Path, data_config, bad_line, fragment) -> None:
    write_jsonl(project / "labeling/data/messages.jsonl", [*MESSAGES, bad_line])
    errors = _errors(data_config)
    line = len(MESSAGES) + 1
    assert any(f"messages.jsonl:{line}:" in e and fragment in e for e in errors), errors


def test_stale_manifest_is_reported(project: Path, data_config) -> None:
    _split(project)
    write_jsonl(project / "labeling/data/messages.jsonl",
                [*MESSAGES, {"id": "m9", "text": "新加的一条", "labels": [], "source": "t"}])
    errors = _errors(data_config)
    assert any("sha256" in e and "differs" in e for e in errors)
    assert any("'m9': not in the split manifest" in e for e in errors)


def test_hand_edited_manifest_that_splits_twins_is_caught(project: Path, data_config) -> None:
    twin = {"id": "m1b", "text": "亲亲您好!!请联系在线客服处理哦😊", "labels": ["deflection"], "source": "t"}
    write_jsonl(project / "labeling/data/messages.jsonl", [*MESSAGES, twin])
    _split(project)
    manifest = read_manifest(data_config.paths.splits)
    home = next(s for s, ids in manifest["splits"].items() if "m1b" in ids)
    other = next(s for s in ("train", "dev", "test") if s != home)
    manifest["splits"][home].remove("m1b")
    manifest["splits"][other].append("m1b")
    write_manifest(manifest, data_config.paths.splits)
    errors = _errors(data_config)
    assert any("near-duplicate texts" in e and "span splits" in e for e in errors), errors


def test_outofstyle_text_that_duplicates_gold_is_an_error(project: Path, data_config) -> None:
    _split(project)
    write_jsonl(project / "labeling/data/messages_outofstyle.jsonl",
                [{"id": "o9", "text": "亲亲您好，请联系在线客服处理哦！", "labels": ["deflection"], "source": "o"}])
    assert any("messages_outofstyle.jsonl:1" in e and "duplicates a gold text" in e for e in _errors(data_config))


@pytest.mark.parametrize("mutate, fragment", [
    (lambda t: t["events"][1].update(kind="shout"), "tickets.jsonl:1: record 't1': field 'events[1].kind'"),
    (lambda t: t.update(expected_codes=["R9_bad"]), "field 'expected_codes': unknown name 'R9_bad'"),
    (lambda t: t["events"][0].update(gold_labels=["deflection"]), "field 'events[0].gold_labels'"),
    (lambda t: t["events"][1].update(gold_labels=["spam"]), "unknown name 'spam'"),
])
def test_bad_ticket_named(project: Path, data_config, mutate, fragment) -> None:
    from tests.conftest import TICKET
    ticket = json.loads(json.dumps(TICKET))
    mutate(ticket)
    write_jsonl(project / "labeling/data/tickets.jsonl", [ticket])
    _split(project)
    assert any(fragment in e for e in _errors(data_config)), _errors(data_config)


def test_cli_check_exits_nonzero_with_reasons(project: Path, capsys) -> None:
    from inference.cli import main
    write_jsonl(project / "labeling/data/messages.jsonl", [*MESSAGES, "{oops"])
    with pytest.raises(SystemExit) as info:
        main(["label", "check"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "messages.jsonl:9:" in err and "bad JSON" in err
