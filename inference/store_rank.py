"""S1: monthly store ranking on the after-sales and dispute factors.

Within one month and peer group, a store's percentile rank on a factor is the
share of the OTHER stores in the group with a strictly lower score (higher is
better); ties count for neither. A rank below the configured bar (0.60) on
either factor is S1. A group of one store has no peers and gets no code.
Results for a month are published on the 7th of the next.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from inference.errors import RecordError
from inference.gate_config import GateConfig
from inference.records import require_id

FACTORS = ("after_sales_factor", "dispute_factor")


@dataclass(frozen=True)
class StoreMonth:
    id: str
    shop_id: str
    month: str
    peer_group: str
    scores: dict[str, float]
    extra: dict[str, Any]


def parse_store_month(obj: Any) -> StoreMonth:
    if not isinstance(obj, dict):
        raise RecordError("record must be a JSON object", field="record")
    rid = require_id(obj)
    try:
        for key in ("shop_id", "peer_group"):
            if not isinstance(obj.get(key), str) or not obj[key].strip():
                raise RecordError("missing or empty", field=key)
        month = obj.get("month")
        if not (isinstance(month, str) and len(month) == 7 and month[4] == "-" and month[:4].isdigit()
                and month[5:].isdigit() and 1 <= int(month[5:]) <= 12):
            raise RecordError(f"must be YYYY-MM, got {month!r}", field="month")
        scores = {}
        for key in FACTORS:
            value = obj.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise RecordError("must be a number", field=key)
            scores[key] = float(value)
    except RecordError as err:
        raise err.located(record_id=rid) from None
    extra = {k: v for k, v in obj.items() if k not in ("id", "shop_id", "month", "peer_group", *FACTORS)}
    return StoreMonth(id=rid, shop_id=obj["shop_id"], month=month, peer_group=obj["peer_group"],
                      scores=scores, extra=extra)


def published_on(month: str, day: int) -> str:
    y, m = int(month[:4]), int(month[5:])
    return date(y + (m == 12), m % 12 + 1, day).isoformat()


def rank_stores(rows: Sequence[StoreMonth], cfg: GateConfig) -> list[dict[str, Any]]:
    """One decision per store-month, with both percentile ranks as evidence."""
    groups: dict[tuple[str, str], list[StoreMonth]] = defaultdict(list)
    for row in rows:
        groups[(row.month, row.peer_group)].append(row)
    out = []
    for row in rows:
        peers = [p for p in groups[(row.month, row.peer_group)] if p is not row]
        ranks = {f: (sum(p.scores[f] < row.scores[f] for p in peers) / len(peers)) if peers else None
                 for f in FACTORS}
        low = [f for f, r in ranks.items() if r is not None and r < cfg.s1.rank_below]
        evidence = [{"code": "S1_experience_rank", "factor": f, "percentile_rank": round(ranks[f], 4),
                     "threshold": cfg.s1.rank_below, "peers": len(peers),
                     "rule": f"{f} ranks below {cfg.s1.rank_below:.0%} of {row.peer_group} stores in {row.month}"}
                    for f in low]
        codes = ["S1_experience_rank"] if low else []
        out.append({"id": row.id, "shop_id": row.shop_id, "month": row.month, "violation": bool(codes),
                    "codes": codes, "evidence": evidence, "ranks": ranks,
                    "measures": [{"code": c, "measures": cfg.measures.S} for c in codes],
                    "published": published_on(row.month, cfg.s1.publish_day), "gate": cfg.version,
                    "checks": ["S1_experience_rank"] if peers else [], **row.extra})
    return out


def rank_records(objs: Iterable[Any], cfg: GateConfig) -> list[dict[str, Any]]:
    return rank_stores([parse_store_month(o) for o in objs], cfg)
