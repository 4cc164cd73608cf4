"""Training-time augmentation: the surface noise real merchant text has.

Boilerplate wrapping, emoji, typos and homophones (swapped at jieba word
boundaries so whole words change, never half a word), traditional script and
order-number noise. None of these changes what the merchant said, so labels
carry over. Each record's random stream is seeded by (seed, id, copy), so the
output is the same on every machine and does not shift when records are
added. Only the train split may be augmented: a dev or test text with a
noisy twin in training would leak.

The styles reserved for the out-of-style test set (dialect, chat-log ids,
slang abbreviations such as kf/tk) are deliberately absent here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from inference.optional import require
from labeling.config import AugmentConfig
from labeling.functions import segmenter
from labeling.gold import GoldMessage

PREFIXES = ("亲亲您好~", "亲，您好，", "您好，", "亲爱的顾客您好：", "亲~", "您好，这里是店铺售后，",
            "尊敬的客户您好，", "亲爱哒~", "在的亲，", "您好亲，")
SUFFIXES = ("祝您生活愉快~", "感谢您的支持与理解🙏", "有问题随时联系哦", "给您带来不便深表歉意。",
            "谢谢亲的理解~", "祝您购物愉快！", "辛苦亲亲啦", "感谢理解")
EMOJI = ("😊", "🙏", "[微笑]", "[玫瑰]", "~", "💕", "👌", "😅", "[抱拳]", "[握手]", "🌹", "^_^")

# Whole-word typos and homophones seen in merchant chat: word -> variants.
SWAPS: dict[str, tuple[str, ...]] = {
    "已经": ("以经", "已近"), "在": ("再",), "再": ("在",), "的": ("滴", "得"), "得": ("的",),
    "什么": ("啥",), "没有": ("没",), "账户": ("帐户",), "账号": ("帐号",), "那": ("哪",), "哪": ("那",),
    "做": ("作",), "吗": ("嘛",), "哦": ("噢", "喔"), "您": ("你",), "好的": ("好滴", "好哒"),
    "亲": ("亲亲",), "稍等": ("稍等一下", "稍后"), "一下": ("一哈",), "谢谢": ("谢谢啦", "多谢"),
    "麻烦": ("麻烦您",), "这边": ("这里",), "马上": ("立马",), "即可": ("既可",), "质量": ("质量的",),
}

_LONG_DIGITS = re.compile(r"\d{8,}")


def _wrap(text: str, rng: random.Random) -> str:
    mode = rng.random()
    if mode < 0.4:
        return rng.choice(PREFIXES) + text
    if mode < 0.7:
        return text + rng.choice(SUFFIXES)
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


def _emoji(text: str, rng: random.Random) -> str:
    marks = "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 2)))
    cuts = [m.end() for m in re.finditer(r"[，。！？,.!?~]", text)]
    at = rng.choice(cuts) if cuts and rng.random() < 0.5 else len(text)
    return text[:at] + marks + text[at:]


def _typo(text: str, rng: random.Random) -> str:
    words = segmenter().lcut(text)
    candidates = [i for i, w in enumerate(words) if w in SWAPS]
    if not candidates:
        return text
    for i in rng.sample(candidates, k=min(len(candidates), rng.randint(1, 2))):
        words[i] = rng.choice(SWAPS[words[i]])
    return "".join(words)


def _traditional(text: str, rng: random.Random) -> str:
    return require("zhconv", "label").convert(text, rng.choice(("zh-tw", "zh-hk")))


def _order_noise(text: str, rng: random.Random) -> str:
    def number() -> str:
        return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(10, 15)))
    if _LONG_DIGITS.search(text):
        return _LONG_DIGITS.sub(lambda m: number(), text)
    tag = rng.choice(("订单号：", "订单", "单号", "订单编号", "No."))
    return f"{tag}{number()} {text}" if rng.random() < 0.5 else f"{text}（{tag}{number()}）"


OPS: dict[str, Callable[[str, random.Random], str]] = {
    "boilerplate": _wrap, "emoji": _emoji, "typo": _typo, "traditional": _traditional,
    "order_noise": _order_noise,
}


def augment_text(text: str, rng: random.Random, cfg: AugmentConfig) -> tuple[str, list[str]]:
    """Apply each op with its configured probability; at least one op always applies."""
    chosen = [name for name in OPS if rng.random() < getattr(cfg, name)]
    if not chosen:
        weights = [getattr(cfg, n) for n in OPS]
        chosen = rng.choices(list(OPS), weights=weights if sum(weights) else None, k=1)
    for name in OPS:                    # fixed order: traditional after typo, etc.
        if name in chosen:
            text = OPS[name](text, rng)
    return text, chosen


def augment_records(records: Iterable[GoldMessage], cfg: AugmentConfig, *,
                    train_ids: set[str]) -> Iterator[dict[str, Any]]:
    """Yield `cfg.copies` noisy copies of every train record, as gold JSON records."""
    for rec in records:
        if rec.id not in train_ids:
            raise ValueError(f"record {rec.id!r} is not in the train split; only train may be augmented")
        seen = {rec.text}
        for k in range(cfg.copies):
            rng = random.Random(f"{cfg.seed}:{rec.id}:{k}")
            text, ops = augment_text(rec.text, rng, cfg)
            if text in seen:
                continue
            seen.add(text)
            out = rec.as_json()
            out.update(id=f"{rec.id}#aug{k}", text=text, source=f"augment:{'+'.join(ops)}", parent=rec.id)
            yield out
