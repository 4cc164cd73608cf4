"""The committed gold data: valid, frozen, and as large as the data plan promises."""

from collections import Counter
from pathlib import Path

import pytest

from inference.config import load_config
from inference.taxonomy import CODES
from labeling.check import run_check
from labeling.config import DataConfig

ROOT = Path(__file__).resolve().parents[1]

MIN_GOLD = {"records": 3000, "meaningless": 300, "deflection": 300, "unilateral_change": 300,
            "extra_charge": 200, "commitment": 200, "(none)": 1000}


@pytest.fixture(scope="module")
def report():
    import os
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return run_check(load_config(DataConfig, ROOT / "configs" / "data.yaml"))
    finally:
        os.chdir(cwd)


def test_gold_data_passes_check(report) -> None:
    assert report.ok, report.errors[:20]


def test_gold_message_counts(report) -> None:
    total = Counter()
    for split in ("train", "dev", "test"):
        total.update(report.label_counts[split])
    for key, minimum in MIN_GOLD.items():
        assert total[key] >= minimum, (key, total[key])
    for split in ("dev", "test"):                      # every label is measurable in each split
        assert min(report.label_counts[split][k] for k in MIN_GOLD if k != "records") >= 20


def test_outofstyle_counts(report) -> None:
    oos = report.label_counts["outofstyle"]
    assert oos["records"] >= 400
    assert all(oos[k] >= 30 for k in MIN_GOLD if k not in ("records",))


def test_every_code_has_fifteen_gold_cases(report) -> None:
    assert report.ticket_stats["tickets"] >= 200
    assert report.ticket_stats["clean"] >= 50
    assert report.ticket_stats["multi-code"] >= 10
    for code in CODES:
        assert report.code_counts[code] >= 15, code
