"""Spark local mode gives the same decisions as the local batch job on the same tickets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("torch")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from tests.conftest import run_cli as run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]



def _ticket_table(n: int) -> pa.Table:
    raw = [json.loads(x) for x in (ROOT / "labeling/data/tickets.jsonl").read_text(encoding="utf-8").splitlines()][:n]
    rows = [{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v) for k, v in t.items()}
            for t in raw]
    rows.append({"id": "bad-1", "request": '{"type": "return"}', "shop": "{}", "events": "[]"})   # no events
    keys = sorted({k for r in rows for k in r})
    return pa.Table.from_pylist([{k: (None if r.get(k) is None else str(r[k])) for k in keys} for r in rows])


def test_spark_evaluate_matches_local_job(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import sys

    from pyspark.sql import SparkSession

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)

    src = tmp_path / "tickets.parquet"
    pq.write_table(_ticket_table(40), src)
    assert run("evaluate", "-i", str(src), "-o", str(tmp_path / "local.jsonl"), "-m", str(tiny_model_dir)) == 0
    local = {d["id"]: d for d in map(json.loads, (tmp_path / "local.jsonl").read_text().splitlines())}

    spark = (SparkSession.builder.master("local[2]").appName("test")
             .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false").getOrCreate())
    try:
        from inference.gate_config import load_gate_config
        from inference.spark_jobs import run_spark
        counts = run_spark("evaluate", input_path=str(src), output=str(tmp_path / "spark_out"),
                           model_dir=tiny_model_dir, gate=load_gate_config(), thresholds={}, spark=spark)
    finally:
        spark.stop()
    assert counts == {"records": 40, "errors": 1}
    remote = {r["id"]: r for r in pq.read_table(tmp_path / "spark_out").to_pylist()}
    assert set(remote) == set(local)
    for rid, d in local.items():
        assert json.loads(remote[rid]["codes"]) == d["codes"], rid
        assert json.loads(remote[rid]["evidence"]) == d["evidence"], rid
    (err,) = pq.read_table(tmp_path / "spark_out_errors").to_pylist()
    assert err["id"] == "bad-1" and err["field"] == "events"
