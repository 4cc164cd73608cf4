"""The batch jobs end to end with a tiny random model exported to ONNX: formats, bad rows, resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.conftest import TINY_TEXTS as TEXTS  # noqa: E402
from tests.conftest import run_cli as run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def model_dir(tiny_model_dir: Path) -> Path:
    return tiny_model_dir



def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_score_jsonl_with_bad_rows(model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": "好的", "context": "我要退货", "shop": "s1"}, ensure_ascii=False),
        '{"id": "b", "text": ',                                   # bad JSON
        json.dumps({"id": "c", "text": "   "}),                   # empty text
        json.dumps({"id": "d", "text": 5}),                       # wrong type
        json.dumps({"id": "e", "text": "x" * 3000}),              # over the size limit
        json.dumps({"text": "no id"}, ensure_ascii=False),        # missing field
        json.dumps({"id": "f", "text": "请联系在线客服" * 40}, ensure_ascii=False),   # truncated at max_length
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("score", "-i", str(src), "-o", str(out), "-m", str(model_dir), "-t", "deflection=0.1") == 0
    rows = lines(out)
    assert [r["id"] for r in rows] == ["a", "f"]
    assert rows[0]["shop"] == "s1" and rows[0]["model"] == "tiny@0.0.1" and set(rows[0]["scores"]) >= {"deflection"}
    assert "deflection" in rows[0]["labels"] if rows[0]["scores"]["deflection"] >= 0.1 else True
    assert rows[1]["truncated"] is True and rows[0]["truncated"] is False
    errors = lines(tmp_path / "out.jsonl.errors.jsonl")
    assert [(e["line"], e["id"], e["field"]) for e in errors] == [
        (2, None, "record"), (3, "c", "text"), (4, "d", "text"), (5, "e", "text"), (6, None, "id")]


def test_max_errors_fails_the_job(model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1}\n{"id": 2}\n')
    assert run("score", "-i", str(src), "-o", str(tmp_path / "o.jsonl"), "-m", str(model_dir),
               "--max-errors", "1") == 2


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_score_csv_and_parquet_round_trip(model_dir: Path, tmp_path: Path, suffix: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": f"m{i}", "text": t, "context": "我要退货" if i % 2 else "", "shop": f"s{i}"} for i, t in enumerate(TEXTS)]
    src = tmp_path / f"in.{suffix}"
    if suffix == "csv":
        import csv
        with open(src, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "text", "context", "shop"])
            w.writeheader()
            w.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), src)
    out = tmp_path / f"out.{suffix}"
    assert run("score", "-i", str(src), "-o", str(out), "-m", str(model_dir)) == 0
    if suffix == "csv":
        import csv
        got = list(csv.DictReader(open(out, encoding="utf-8")))
    else:
        got = pq.read_table(out).to_pylist()
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    assert json.loads(got[0]["scores"]).keys() == {"meaningless", "deflection", "unilateral_change",
                                                    "extra_charge", "commitment"}
    assert json.loads(got[3]["extra"]) == {"shop": "s3"}


def _ticket(i: int) -> dict:
    return {"id": f"t{i}", "request": {"type": "return", "refund_amount": 10.0},
            "shop": {"return_address": "浙江省杭州市西湖区文三路90号", "phone": "0571-88886666"},
            "events": [{"at": "2026-03-01T10:00:00+08:00", "actor": "consumer", "kind": "message", "text": "坏了"},
                       {"at": "2026-03-01T11:00:00+08:00", "actor": "merchant", "kind": "reject", "text": "请联系厂家"},
                       {"at": "2026-03-01T12:00:00+08:00", "actor": "consumer", "kind": "complaint"}]}


def test_evaluate_tickets_and_bad_tickets(model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    bad_kind = _ticket(9)
    bad_kind["events"][1]["kind"] = "shout"
    bad_time = _ticket(8)
    bad_time["events"][0]["at"] = "yesterday"
    src.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in [_ticket(1), bad_kind, bad_time]) + "\n")
    out = tmp_path / "d.jsonl"
    assert run("evaluate", "-i", str(src), "-o", str(out), "-m", str(model_dir)) == 0
    (d,) = lines(out)
    assert "R1_no_contact_reject" in d["codes"] and d["violation"] and d["gate"] == "gate.v1"
    assert d["evidence"][0]["rule"] and d["measures"][0]["measures"]
    errors = lines(tmp_path / "d.jsonl.errors.jsonl")
    assert [(e["id"], e["field"]) for e in errors] == [("t9", "events[1].kind"), ("t8", "events[0].at")]


def test_tampered_model_is_refused(model_dir: Path, tmp_path: Path, capsys) -> None:
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    (copy / "model.json").write_text((copy / "model.json").read_text().replace('"tiny"', '"evil"'))
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "好的"}\n')
    assert run("score", "-i", str(src), "-o", str(tmp_path / "o.jsonl"), "-m", str(copy)) == 2
    assert "model.json does not match its sha256" in capsys.readouterr().err


def test_kill_mid_run_then_resume_gives_each_record_once(model_dir: Path, tmp_path: Path) -> None:
    """A real subprocess is killed with SIGKILL mid-run; --resume completes without duplicates or losses."""
    src = tmp_path / "big.jsonl"
    n = 3000
    src.write_text("".join(json.dumps({"id": f"r{i}", "text": TEXTS[i % len(TEXTS)] + str(i)}, ensure_ascii=False)
                           + "\n" for i in range(n)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    exe = str(Path(sys.executable).with_name("aftersales"))
    cmd = [exe, "score", "-i", str(src), "-o", str(out), "-m", str(model_dir), "--threads", "1", "--chunk-size", "256"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    progress = Path(str(out) + ".progress.json")
    deadline = time.time() + 120
    while time.time() < deadline:                      # wait for at least one committed chunk
        if progress.exists() and json.loads(progress.read_text())["position"] >= 256:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads(progress.read_text())
    assert 0 < done["position"] < n and not done["done"], "the kill must land mid-run"
    assert subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True).returncode == 0
    ids = [r["id"] for r in lines(out)]
    assert len(ids) == n and len(set(ids)) == n and ids == [f"r{i}" for i in range(n)]
    assert json.loads(progress.read_text())["done"] is True


def test_report_from_decisions(model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    tickets = []
    for i in range(4):
        t = _ticket(i)
        t["shop"]["id"] = f"shop-{i % 2}"
        tickets.append(t)
    src.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in tickets) + "\n")
    out = tmp_path / "d.jsonl"
    assert run("evaluate", "-i", str(src), "-o", str(out), "-m", str(model_dir)) == 0
    assert run("report", str(out), "--out", str(tmp_path / "rep")) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "4 tickets, 4 with a violation" in md and "| `R1_no_contact_reject` | 4 |" in md
    assert "| shop-0 | 2 | 2 |" in md
    assert (tmp_path / "rep" / "codes.png").stat().st_size > 1000
    assert '<img src="codes.png"' in (tmp_path / "rep" / "report.html").read_text()


def test_drift_report_on_messages_and_reference(model_dir: Path, tmp_path: Path, capsys) -> None:
    import numpy as np

    from inference.drift import psi, reference_of
    assert psi([10, 10, 10], [10, 10, 10]) == pytest.approx(0.0, abs=1e-9)
    assert psi([100, 1, 1], [1, 1, 100]) > 0.25
    # a reference made of short texts scored near 0 by a fake model; the batch is long texts
    ref = reference_of(np.zeros((50, 5)), [3] * 50, ["meaningless", "deflection", "unilateral_change",
                                                     "extra_charge", "commitment"])
    import shutil
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    (copy / "reference.json").write_text(json.dumps(ref))
    from inference.model_dir import write_manifest
    write_manifest(copy)
    src = tmp_path / "batch.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "很长的一段商家回复" * 20}, ensure_ascii=False) + "\n"
                           for i in range(30)))
    assert run("report", "drift", "-i", str(src), "-m", str(copy), "--out", str(tmp_path / "d")) == 0
    out = json.loads((tmp_path / "d" / "drift.json").read_text())
    assert out["verdict"]["text_length"] == "retrain due" and out["retrain_due"]
    assert "relabel and retrain" in capsys.readouterr().out
