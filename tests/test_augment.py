import random

import pytest

from inference.records import Message
from labeling.augment import OPS, augment_records, augment_text
from labeling.config import AugmentConfig
from labeling.gold import GoldMessage


def _gold(rid: str, text: str, labels=("deflection",)) -> GoldMessage:
    return GoldMessage(message=Message(id=rid, text=text), labels=tuple(labels), source="test")


RECORDS = [_gold("a", "亲亲您好，请联系在线客服处理哦"), _gold("b", "已经给您退款了，订单号293112345678", ()),
           _gold("c", "好的", ("meaningless",))]


def test_same_seed_same_output_different_seed_different_output() -> None:
    cfg = AugmentConfig(seed=1, copies=3)
    ids = {r.id for r in RECORDS}
    first = list(augment_records(RECORDS, cfg, train_ids=ids))
    assert first == list(augment_records(RECORDS, cfg, train_ids=ids))
    other = list(augment_records(RECORDS, AugmentConfig(seed=2, copies=3), train_ids=ids))
    assert [r["text"] for r in first] != [r["text"] for r in other]


def test_output_does_not_depend_on_neighbours() -> None:
    cfg = AugmentConfig(seed=1, copies=2)
    alone = list(augment_records(RECORDS[:1], cfg, train_ids={"a"}))
    together = list(augment_records(RECORDS, cfg, train_ids={r.id for r in RECORDS}))
    assert alone == [r for r in together if r["parent"] == "a"]


def test_labels_context_and_lineage_are_kept() -> None:
    out = list(augment_records(RECORDS, AugmentConfig(copies=2), train_ids={r.id for r in RECORDS}))
    assert out
    for rec in out:
        parent = next(r for r in RECORDS if r.id == rec["parent"])
        assert rec["labels"] == list(parent.labels)
        assert rec["id"].startswith(parent.id + "#aug") and rec["source"].startswith("augment:")
        assert rec["text"] != parent.text


def test_only_train_records_may_be_augmented() -> None:
    with pytest.raises(ValueError, match="not in the train split"):
        list(augment_records(RECORDS, AugmentConfig(), train_ids={"a"}))


@pytest.mark.parametrize("op, check", [
    ("traditional", lambda before, after: "聯繫" in after or "聯系" in after),
    ("order_noise", lambda before, after: any(ch.isdigit() for ch in after)),
    ("boilerplate", lambda before, after: before in after and len(after) > len(before)),
    ("emoji", lambda before, after: len(after) > len(before)),
    ("typo", lambda before, after: after != before),
])
def test_each_op_does_what_it_says(op, check) -> None:
    before = "亲亲您好，请联系在线客服处理哦，已经帮您反馈了"
    probs = {name: 1.0 if name == op else 0.0 for name in OPS}
    after, ops = augment_text(before, random.Random(0), AugmentConfig(**probs))
    assert ops == [op] and check(before, after)


def test_order_noise_replaces_existing_order_numbers() -> None:
    cfg = AugmentConfig(**{name: 1.0 if name == "order_noise" else 0.0 for name in OPS})
    after, _ = augment_text("订单号293112345678已退款", random.Random(3), cfg)
    assert "293112345678" not in after and after.endswith("已退款")
