"""The batch jobs on Apache Spark: the same scorer and gate, one ONNX session per executor process.

Parquet in, Parquet out, with the local jobs' column layout (nested values as
JSON text). The model directory is shipped to the executors once with
`SparkContext.addFile`; each Python worker loads (and verifies) it the first
time a partition needs it and keeps it for the rest of its life. Scoring runs
in `mapInPandas` batches through the same `ScoreJob`/`EvaluateJob` handlers
as `aftersales score`/`evaluate`, so Spark and the local job decide alike.
Bad records come out in a separate Parquet directory as `{line, id, field,
error}`, where `line` is the row's position within its input file's order
(Spark's `monotonically_increasing_id`).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from inference.batch import DECISION_CORE, SCORE_CORE, EvaluateJob, ScoreJob
from inference.gate_config import GateConfig
from inference.io import decode_cells
from inference.optional import require
from inference.sink import cell_text

_CACHE: dict[str, Any] = {}
_ERROR_COLUMNS = ("line", "id", "field", "error")


def _handler(kind: str, model_name: str, thresholds: dict[str, float], gate_json: str | None):
    """The job handler for this worker process, built once (one ONNX session per process)."""
    key = f"{kind}:{model_name}:{json.dumps(thresholds, sort_keys=True)}"
    if key not in _CACHE:
        from pyspark import SparkFiles

        from inference.scorer import Scorer

        scorer = Scorer(Path(SparkFiles.get(model_name)), threads=1)
        _CACHE[key] = (ScoreJob(scorer, thresholds) if kind == "score"
                       else EvaluateJob(scorer, thresholds, GateConfig.model_validate_json(gate_json)))
    return _CACHE[key]



def _map(kind: str, model_name: str, thresholds: dict[str, float], gate_json: str | None, core: tuple[str, ...]):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        handler = _handler(kind, model_name, thresholds, gate_json)
        for frame in batches:
            rows = frame.to_dict("records")
            chunk = [(int(r.pop("_row")), decode_cells({k: v for k, v in r.items() if v is not None}))
                     for r in rows]
            good, bad = handler(chunk, Counter())
            out = [{**{k: cell_text(g.get(k)) for k in core},
                    "extra": cell_text({k: v for k, v in g.items() if k not in core}) if set(g) - set(core) else None,
                    "line": None, "field": None, "error": None} for g in good]
            out += [{**{k: None for k in core}, "extra": None, "id": str(b["id"]) if b["id"] is not None else None,
                     "line": b["line"], "field": b["field"], "error": b["error"]} for b in bad]
            yield pd.DataFrame(out, columns=[*core, "extra", "line", "field", "error"])
    return run


def run_spark(kind: str, *, input_path: str, output: str, model_dir: Path, gate: GateConfig,
              thresholds: dict[str, float], master: str | None = None, spark=None) -> dict[str, int]:
    """Read Parquet, score or evaluate on the cluster, write `output` and `output`_errors."""
    require("pyspark", "spark")
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    own = spark is None
    # Local workers must run this interpreter (the one with the project installed); on a cluster,
    # spark-submit's PYSPARK_PYTHON (an environment with this project) takes precedence.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if own:
        builder = SparkSession.builder.appName(f"aftersales-{kind}")
        spark = (builder.master(master) if master else builder).getOrCreate()
    try:
        spark.sparkContext.addFile(str(model_dir), recursive=True)
        core = SCORE_CORE if kind == "score" else DECISION_CORE
        schema = StructType([*(StructField(c, StringType()) for c in (*core, "extra")),
                             StructField("line", LongType()), StructField("field", StringType()),
                             StructField("error", StringType())])
        frame = spark.read.parquet(input_path)
        frame = frame.select(*[F.col(c).cast("string") for c in frame.columns],
                             (F.monotonically_increasing_id() + 1).alias("_row"))
        result = frame.mapInPandas(_map(kind, Path(model_dir).name, thresholds,
                                        gate.model_dump_json() if kind == "evaluate" else None, core), schema)
        result = result.cache()
        good = result.filter(F.col("error").isNull()).select(*core, "extra")
        bad = result.filter(F.col("error").isNotNull()).select("line", "id", "field", "error")
        good.write.mode("overwrite").parquet(output)
        bad.write.mode("overwrite").parquet(output.rstrip("/") + "_errors")
        return {"records": good.count(), "errors": bad.count()}
    finally:
        if own:
            spark.stop()
