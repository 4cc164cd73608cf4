"""Each labeling function fires on its signal and abstains on the near miss."""

import numpy as np
import pytest

from labeling.functions import ABSTAIN, FUNCTIONS, NEG, POS, Doc
from labeling.vote import labels_of, majority_vote, vote_matrix

BY_NAME = {lf.name: lf for lf in FUNCTIONS}

CASES = [
    # name, fires on (text, context), abstains on (text, context)
    ("symbols_only", ("。。。", None), ("好的", None)),
    ("symbols_only", ("111", None), ("退款111元", None)),
    ("filler_only", ("亲亲您好~收到啦[玫瑰]", None), ("收到，明天给您寄出", None)),
    ("filler_only", ("OK", None), ("ok，已同意退货", None)),
    ("repeated_chars", ("aaaa", None), ("abab", None)),
    ("states_reason", ("经检测为人为进水，不在保修范围", None), ("好的", None)),
    ("courtesy_after_thanks", ("不客气哦", "收到了谢谢"), ("不客气哦", "我要退货")),
    ("contact_support", ("请联系在线客服处理", None), ("我是在线客服小美", None)),
    ("contact_manufacturer", ("您找一下厂家售后吧", None), ("厂家已经寄出新的配件", None)),
    ("contact_courier", ("快递问题请找快递公司", None), ("快递已经签收了", None)),
    ("verifying_stall", ("仓库核实中，请耐心等待", None), ("仓库已收到退货", None)),
    ("reported_stall", ("已反馈相关部门", None), ("反馈的问题已解决，退款已到账", None)),
    ("dated_action", ("仓库已收到，明天18点前给您退款", None), ("仓库已收到", None)),
    ("type_change", ("已帮您改为换货", None), ("您申请的是换货", None)),
    ("reason_change", ("请把申请原因改成七天无理由", None), ("您的申请原因是质量问题", None)),
    ("method_change", ("只能自行寄回，上门取件已取消", None), ("已为您预约上门取件", None)),
    ("amount_change", ("退款金额调整为50元", None), ("退款50元已到账", None)),
    ("consent_shown", ("按您电话里说的，已改为换货", None), ("已改为换货", None)),
    ("offer_question", ("补偿您10元，您看可以吗？", None), ("补偿您10元", None)),
    ("fee_terms", ("退货需要扣除20元手续费", None), ("退货免费", None)),
    ("freight_on_buyer", ("质量问题运费也需要您自己承担", None), ("运费我们承担", None)),
    ("pay_first", ("您先付50元检测费，检测完再退给您", None), ("先寄回检测", None)),
    ("fee_rule_allowed", ("七天无理由退货，运费由买家承担，符合平台规则", None), ("运费由买家承担", None)),
    ("promise_compensation", ("补偿您20元", None), ("不能补偿", None) ),
    ("promise_freight", ("运费我们承担", None), ("运费您出", None)),
    ("promise_dated_action", ("今天内给您退款", None), ("给您退款", None)),
    ("promise_resend", ("给您补发一个", None), ("补发需要审核", None)),
    ("vague_soon", ("会尽快处理的", None), ("明天上午尽快处理", None)),
]


@pytest.mark.parametrize("name, hit, miss", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_function_fires_and_abstains(name, hit, miss) -> None:
    lf = BY_NAME[name]
    assert lf(Doc.of(*hit)) == lf.polarity
    assert lf(Doc.of(*miss)) == ABSTAIN


def test_every_function_has_a_case_and_a_polarity() -> None:
    assert {c[0] for c in CASES} == set(BY_NAME)
    assert all(lf.polarity in (POS, NEG) for lf in FUNCTIONS)


@pytest.mark.parametrize("text, context, expected", [
    ("已反馈", None, ["meaningless", "deflection"]),
    ("亲亲您好，请联系在线客服处理哦", None, ["deflection"]),
    ("仓库已收到，明天18点前给您退款", None, ["commitment"]),
    ("七天无理由退货，运费由买家承担，符合平台规则", None, []),
    ("已帮您改成换货，运费您出", None, ["unilateral_change", "extra_charge"]),
    ("按您说的已改为换货", None, []),
    ("好的", "我要退货", ["meaningless"]),
])
def test_majority_vote(text, context, expected) -> None:
    row = majority_vote(vote_matrix([(text, context)]))[0]
    assert labels_of(row) == expected


def test_vote_matrix_shape_for_no_texts() -> None:
    assert vote_matrix([]).shape == (0, len(FUNCTIONS))
    assert majority_vote(np.zeros((0, len(FUNCTIONS)), dtype=np.int8)).shape == (0, 5)
