"""The rule gate on hand-built tickets with a fake scorer: every code, every section-4 decision."""

from __future__ import annotations

import json
from pathlib import Path

from inference.gate import TextLabels, decide
from inference.gate_config import load_gate_config
from inference.taxonomy import LABELS
from inference.tickets import parse_ticket

CFG = load_gate_config()
ADDRESS = "浙江省杭州市西湖区文三路90号"
PHONE = "0571-88886666"




def at(h: float) -> str:
    from datetime import datetime, timedelta, timezone
    t = datetime(2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=8))) + timedelta(hours=h)
    return t.isoformat()


def e(h: float, actor: str, kind: str, text: str | None = None, labels=(), **changes) -> dict:
    out = {"at": at(h), "actor": actor, "kind": kind}
    if text is not None:
        out["text"] = text
    if changes:
        out["changes"] = changes
    if labels:
        out["labels"] = list(labels)
    return out


def run(events: list[dict], *, request=None, shop=None, product=None):
    raw = {"id": "t", "request": request or {"type": "return", "reason": "质量问题", "return_method": "pickup",
                                              "refund_amount": 100.0},
           "shop": shop or {"return_address": ADDRESS, "phone": PHONE}, "events": events}
    if product:
        raw["product"] = product
    ticket = parse_ticket(raw)
    fake = {x.index: TextLabels({label: 0.9 for label in x.extra.get("labels", [])},
                                {label: 0.5 for label in LABELS})
            for x in ticket.events if x.actor == "merchant" and x.text}
    return decide(ticket, fake, CFG, model="fake@0")


def codes(events, **kw) -> list[str]:
    return run(events, **kw).codes


def test_clean_ticket_says_which_checks_ran() -> None:
    d = run([e(0, "consumer", "message", "坏了"), e(1, "merchant", "approve", "已同意退货，请寄回"),
             e(30, "merchant", "refund", refund_amount=100.0)])
    assert d.codes == [] and not d.violation
    assert d.checks == ["R1_no_contact_reject", "R2_unilateral_change", "R3_baseless_reject",
                        "R4_negotiation_breach", "T1_timeout", "P1_broken_commitment", "P2_extra_charge",
                        "P3_invalid_contact", "P4_wrong_product_specs"]


def test_r1_reject_without_contact_then_complaint() -> None:
    base = [e(0, "consumer", "message", "坏了"), e(2, "merchant", "reject", "不支持退货，已超过七天")]
    assert codes(base + [e(5, "consumer", "complaint", "不合理")]) == ["R1_no_contact_reject"]
    assert codes(base) == []                                        # no consumer reaction
    contacted = [base[0], e(1, "merchant", "message", "请问具体什么问题？"), base[1], e(5, "consumer", "complaint")]
    assert codes(contacted) == []                                   # contact = a merchant message before


def test_r2_modify_without_agreement_and_with_it() -> None:
    mod = e(2, "merchant", "modify", type={"from": "return", "to": "exchange"})
    assert codes([e(0, "consumer", "message", "要退货"), mod, e(4, "consumer", "complaint", "我没同意换货")]) == [
        "R2_unilateral_change"]
    agreed = [e(0, "consumer", "message", "要退货"), e(1, "merchant", "message", "换货可以吗？", ["commitment"]),
              e(1.5, "consumer", "message", "可以，换货吧"), mod, e(4, "consumer", "complaint", "物流太慢")]
    assert codes(agreed) == []
    refused = [*agreed[:2], e(1.5, "consumer", "message", "不可以，我要退货"), mod, e(4, "consumer", "complaint")]
    assert codes(refused) == ["R2_unilateral_change"]


def test_r2_agreement_to_60_does_not_cover_50() -> None:
    evs = [e(0, "consumer", "message", "同意退60"),
           e(1, "merchant", "modify", refund_amount={"from": 100, "to": 50}),
           e(2, "consumer", "dispute", "说好60")]
    assert codes(evs) == ["R2_unilateral_change"]


def test_r2_via_text_label_and_urge_does_not_count() -> None:
    text = e(1, "merchant", "message", "已帮您改为换货", ["unilateral_change"])
    assert codes([e(0, "consumer", "message", "退货"), text, e(2, "consumer", "complaint")]) == ["R2_unilateral_change"]
    assert codes([e(0, "consumer", "message", "退货"), text, e(2, "consumer", "urge")]) == []


def test_r3_baseless_reason_unless_resolved() -> None:
    evs = [e(0, "consumer", "message", "坏了"), e(1, "merchant", "message", "稍等"),
           e(2, "merchant", "close", "请联系在线客服", ["deflection"])]
    d = run(evs)
    assert d.codes == ["R3_baseless_reject"]
    ev3 = d.evidence[0]
    assert (ev3.label, ev3.score, ev3.threshold, ev3.event_index) == ("deflection", 0.9, 0.5, 2)
    refunded = [evs[0], evs[1], e(1.5, "merchant", "refund", refund_amount=100.0),
                e(2, "merchant", "close", "好的", ["meaningless"])]
    assert codes(refunded) == []                                    # section 4: resolved first
    partial = [evs[0], evs[1], e(1.5, "merchant", "refund", refund_amount=40.0),
               e(2, "merchant", "close", "好的", ["meaningless"])]
    assert codes(partial) == ["R3_baseless_reject"]                 # 40 of 100 is not resolved


def test_r3_reject_without_text_uses_last_merchant_text() -> None:
    evs = [e(0, "consumer", "message", "坏了"), e(1, "merchant", "message", "仓库核实中", ["deflection"]),
           e(2, "merchant", "reject")]
    assert codes(evs) == ["R3_baseless_reject"]
    with_reason = evs[:2] + [e(2, "merchant", "reject", "经检测为人为损坏，检测报告已上传")]
    assert codes(with_reason) == []


def test_r4_negotiation_without_or_against_agreement() -> None:
    nego = e(2, "merchant", "negotiate_reject", "已与买家协商一致，退款30元")
    assert codes([e(0, "consumer", "message", "要全额退款"), nego, e(3, "consumer", "complaint")]) == [
        "R4_negotiation_breach"]                                   # claims an agreement the transcript lacks
    agreed = [e(0, "consumer", "message", "同意退30元，东西留着"), nego, e(3, "consumer", "complaint", "发票呢")]
    assert codes(agreed) == []
    differ = [e(0, "consumer", "message", "同意退50元"), nego, e(3, "consumer", "dispute")]
    assert codes(differ) == ["R4_negotiation_breach"]


def test_r4_hedge_is_not_agreement() -> None:
    evs = [e(0, "consumer", "message", "唱针有杂音"), e(1, "merchant", "message", "补偿您50元可以吗？", ["commitment"]),
           e(1.5, "consumer", "message", "好的，我先换针试试再说"),
           e(2, "merchant", "negotiate_reject", "与买家协商一致，补偿50元"), e(2.1, "merchant", "refund", refund_amount=50.0),
           e(3, "consumer", "complaint", "我没同意")]
    assert codes(evs) == ["R4_negotiation_breach"]


def test_t1_first_action_clock() -> None:
    late = [e(0, "consumer", "message", "退货"), e(50, "consumer", "urge", "怎么还不处理")]
    assert codes(late) == ["T1_timeout"]
    early_urge = [e(0, "consumer", "message", "退货"), e(20, "consumer", "urge"), e(30, "merchant", "approve")]
    assert codes(early_urge) == []
    chat_is_not_action = [e(0, "consumer", "message", "退货"), e(1, "merchant", "message", "在看了"),
                          e(49, "consumer", "urge")]
    assert codes(chat_is_not_action) == ["T1_timeout"]


def test_t1_after_return_clock_and_promised_time() -> None:
    evs = [e(0, "consumer", "message", "退货"), e(1, "merchant", "approve"), e(24, "merchant", "return_received"),
           e(80, "consumer", "urge", "收到货两天了")]
    assert codes(evs) == ["T1_timeout"]
    promised = [e(0, "consumer", "message", "退货"), e(1, "merchant", "approve", "今天内给您退款", ["commitment"]),
                e(20, "consumer", "urge", "钱呢"), e(22, "merchant", "refund", refund_amount=100.0)]
    assert codes(promised) == ["T1_timeout", "P1_broken_commitment"]


def test_p1_kept_partly_late_and_declined_offer() -> None:
    promise = e(1, "merchant", "message", "补偿您20元", ["commitment"])
    assert codes([e(0, "consumer", "message", "少件"), promise, e(3, "merchant", "refund", refund_amount=20.0)]) == []
    assert codes([e(0, "consumer", "message", "少件"), promise, e(3, "merchant", "refund", refund_amount=10.0)]) == [
        "P1_broken_commitment"]
    assert codes([e(0, "consumer", "message", "少件"), promise, e(3, "platform", "close", "超时关闭")]) == [
        "P1_broken_commitment"]
    offer = e(1, "merchant", "message", "补偿您10元，您看可以吗？", ["commitment"])
    assert codes([e(0, "consumer", "message", "少件"), offer, e(2, "consumer", "message", "不要，我要退货")]) == []


def test_p2_p3_p4() -> None:
    assert codes([e(0, "consumer", "message", "坏了"),
                  e(1, "merchant", "message", "质量问题运费也需要您自己承担", ["extra_charge"])]) == ["P2_extra_charge"]
    assert codes([e(0, "consumer", "message", "x")], shop={"return_address": "", "phone": PHONE}) == [
        "P3_invalid_contact"]
    assert codes([e(0, "consumer", "message", "x")], shop={"return_address": ADDRESS, "phone": "13800000000"}) == [
        "P3_invalid_contact"]
    assert codes([e(0, "consumer", "message", "x")],
                 shop={"return_address": "香港九龙弥敦道100号", "phone": PHONE, "cross_border": True}) == []
    product = {"declared_weight_kg": 10.0, "declared_size_cm": [50, 40, 30]}
    heavy = [e(0, "consumer", "message", "退货"), e(1, "merchant", "approve"),
             e(20, "platform", "pickup", measured_weight_kg=13.0),
             e(21, "consumer", "message", "快递说超重要我多付20元运费")]
    assert codes(heavy, product=product) == ["P4_wrong_product_specs"]
    assert codes(heavy[:3], product=product) == []                 # no cost to the consumer shown
    absent = [e(0, "consumer", "message", "退货"), e(20, "platform", "pickup_failed", "买家不在家",
                                                  measured_weight_kg=13.0)]
    assert codes(absent, product=product) == []


def test_every_decision_carries_measures_and_evidence_rule() -> None:
    d = run([e(0, "consumer", "message", "坏了"), e(2, "merchant", "reject", "1", ["meaningless"]),
             e(3, "consumer", "complaint")])
    assert d.codes == ["R1_no_contact_reject", "R3_baseless_reject"]
    assert all(m["measures"] and "50元" in "".join(m["measures"]) for m in d.measures)
    assert all(x.rule for x in d.evidence)
    assert json.dumps(d.as_json(), ensure_ascii=False)


def test_gold_tickets_with_gold_labels() -> None:
    """The committed gold tickets, scored with their annotated labels (the gate alone)."""
    root = Path(__file__).resolve().parents[1]
    wrong = []
    for line in (root / "labeling/data/tickets.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        t = parse_ticket(raw)
        fake = {x.index: TextLabels({lab: 1.0 for lab in x.extra.get("gold_labels", [])}, {lab: 0.5 for lab in LABELS})
                for x in t.events if x.actor == "merchant" and x.text}
        if set(decide(t, fake, CFG).codes) != set(raw["expected_codes"]):
            wrong.append(raw["id"])
    assert not wrong
