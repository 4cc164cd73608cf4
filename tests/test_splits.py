import pytest

from inference.errors import UsageError
from labeling.config import SplitConfig
from labeling.splits import assign_split, split_ids, split_key

CFG = SplitConfig()


@pytest.mark.parametrize("twin", [
    "亲亲您好!!请联系 在线客服 处理哦😊",
    "亲亲您好，请联系在线客服处理哦[微笑]",
    "親親您好，請聯繫在線客服處理哦",          # traditional script
    "ＱＱ亲亲您好，请联系在线客服处理哦".replace("ＱＱ", ""),   # full-width forms go through NFKC
])
def test_near_duplicate_shares_key_and_split(twin: str) -> None:
    base = "亲亲您好，请联系在线客服处理哦"
    assert split_key(twin) == split_key(base)
    assert assign_split(split_key(twin), CFG) == assign_split(split_key(base), CFG)


def test_different_texts_have_different_keys() -> None:
    assert split_key("请联系在线客服") != split_key("请联系厂家售后")


def test_symbol_only_texts_do_not_collapse_into_one_group() -> None:
    assert split_key("。。。") != split_key("？？") != split_key("😊")


def test_assignment_is_stable_and_pinned() -> None:
    # Pinned values: if these change, every frozen manifest silently moves records between splits.
    keys = [split_key(t) for t in ("好的", "请联系在线客服处理", "已同意退货，请按地址寄回")]
    first = [assign_split(k, CFG) for k in keys]
    assert first == [assign_split(k, CFG) for k in keys]
    assert first == ["train", "train", "test"]


def test_salt_changes_the_assignment() -> None:
    keys = [split_key(f"第{i}条文本") for i in range(200)]
    a = [assign_split(k, CFG) for k in keys]
    b = [assign_split(k, SplitConfig(salt="other")) for k in keys]
    assert a != b


def test_fractions_are_respected_roughly() -> None:
    splits = [assign_split(split_key(f"文本{i}号"), CFG) for i in range(4000)]
    assert abs(splits.count("test") / 4000 - CFG.test) < 0.03
    assert abs(splits.count("dev") / 4000 - CFG.dev) < 0.03


def test_test_split_needs_explicit_permission() -> None:
    manifest = {"splits": {"train": ["a"], "dev": ["b"], "test": ["c"]}}
    with pytest.raises(UsageError, match="reserved for final reports"):
        split_ids(manifest, "test")
    assert split_ids(manifest, "test", allow_test=True) == {"c"}
