import pytest

from inference.errors import RecordError
from inference.gate_config import load_gate_config
from inference.store_rank import rank_records

CFG = load_gate_config()


def row(i: int, a: float, d: float, group: str = "家电", month: str = "2026-10") -> dict:
    return {"id": f"s{i}", "shop_id": f"shop-{i}", "month": month, "peer_group": group,
            "after_sales_factor": a, "dispute_factor": d}


def test_percentile_rank_ties_and_single_store_group() -> None:
    rows = [row(1, 4.0, 4.9), row(2, 4.2, 4.9), row(3, 4.4, 4.9), row(4, 4.6, 4.9), row(5, 4.8, 4.9),
            row(6, 4.8, 4.9), row(7, 3.0, 3.0, group="宠物")]
    out = {r["id"]: r for r in rank_records(rows, CFG)}
    # s4: 3 of 5 others strictly lower = 0.6, not below 0.6; ties on dispute count for no one (rank 0).
    assert out["s4"]["ranks"]["after_sales_factor"] == pytest.approx(0.6)
    assert out["s5"]["ranks"]["after_sales_factor"] == pytest.approx(0.8)   # the tie with s6 counts for neither
    assert all(r["codes"] == ["S1_experience_rank"] for r in out.values() if r["id"] != "s7")  # dispute ties rank 0
    assert out["s7"]["codes"] == [] and out["s7"]["checks"] == []           # no peers, no ranking
    assert out["s1"]["published"] == "2026-11-07"
    assert {e["factor"] for e in out["s1"]["evidence"]} == {"after_sales_factor", "dispute_factor"}


def test_bad_store_month_names_field() -> None:
    with pytest.raises(RecordError) as info:
        rank_records([{**row(1, 4.0, 4.0), "month": "2026/10"}], CFG)
    assert info.value.field == "month" and info.value.record_id == "s1"
