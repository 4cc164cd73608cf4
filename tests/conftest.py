"""Shared fixtures: a tiny gold data set written into a temporary project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from inference.config import load_config
from labeling.config import DataConfig

MESSAGES = [
    {"id": "m1", "text": "亲亲您好，请联系在线客服处理哦", "labels": ["deflection"], "source": "test"},
    {"id": "m2", "text": "好的", "context": "我要退货，质量有问题", "labels": ["meaningless"], "source": "test"},
    {"id": "m3", "text": "已帮您改为换货", "labels": ["unilateral_change"], "source": "test"},
    {"id": "m4", "text": "质量问题运费也需要您自己承担", "labels": ["extra_charge"], "source": "test"},
    {"id": "m5", "text": "运费我们承担，今天内给您退款", "labels": ["commitment"], "source": "test"},
    {"id": "m6", "text": "经检测为人为进水，不在保修范围，检测报告已上传", "labels": [], "source": "test"},
    {"id": "m7", "text": "已同意退货，请按地址寄回", "labels": [], "source": "test"},
    {"id": "m8", "text": "。。。", "labels": ["meaningless"], "source": "test"},
]
OUTOFSTYLE = [
    {"id": "o1", "text": "[客服#A1 14:02] 这个找快递", "labels": ["deflection"], "source": "outofstyle:chatlog"},
]
TICKET = {
    "id": "t1", "source": "test",
    "request": {"type": "return", "reason": "质量问题", "return_method": "pickup", "refund_amount": 129.0},
    "shop": {"return_address": "广东省广州市白云区石井街道庆丰路12号", "phone": "020-86047732"},
    "events": [
        {"at": "2026-03-01T10:00:00+08:00", "actor": "consumer", "kind": "message", "text": "坏了"},
        {"at": "2026-03-01T11:21:00+08:00", "actor": "merchant", "kind": "reject", "text": "请联系厂家",
         "gold_labels": ["deflection"]},
    ],
    "expected_codes": ["R1_no_contact_reject", "R3_baseless_reject"],
}
STORE_MONTH = {"id": "s1", "shop_id": "shop-1", "month": "2026-10", "peer_group": "家电",
               "after_sales_factor": 4.1, "dispute_factor": 4.5, "expected_codes": []}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with a small, valid gold data set and configs/data.yaml; cwd is set to it."""
    data = tmp_path / "labeling" / "data"
    data.mkdir(parents=True)
    write_jsonl(data / "messages.jsonl", MESSAGES)
    write_jsonl(data / "messages_outofstyle.jsonl", OUTOFSTYLE)
    write_jsonl(data / "tickets.jsonl", [TICKET])
    write_jsonl(data / "store_months.jsonl", [STORE_MONTH])
    (tmp_path / "configs").mkdir()
    # A large dev share so that eight records still fill every split in most salts.
    (tmp_path / "configs" / "data.yaml").write_text(yaml.safe_dump({"split": {"dev": 0.3, "test": 0.3}}))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def data_config(project: Path) -> DataConfig:
    return load_config(DataConfig, project / "configs" / "data.yaml")


TINY_TEXTS = ["好的", "亲亲您好，请联系在线客服处理哦", "已帮您改为换货", "质量问题运费也需要您自己承担", "运费我们承担，今天内给您退款",
              "我要退货，质量有问题", "谢谢"]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A random tiny classifier exported to ONNX in a verified model directory (built once per session)."""
    pytest.importorskip("torch")
    from tests.tiny import write_tiny_model_dir
    return write_tiny_model_dir(tmp_path_factory.mktemp("model") / "tiny", TINY_TEXTS)


def run_cli(*argv: str) -> int:
    """Run `aftersales ARGV` in-process and return its exit code."""
    from inference.cli import main
    try:
        main(list(argv))
    except SystemExit as exc:
        return exc.code or 0
    return 0


def _grow(messages: list[dict], copies: int) -> list[dict]:
    """Distinct records with the fixture's labels (numbers keep their split keys apart)."""
    rows = []
    for k in range(copies):
        for m in messages:
            rows.append({**m, "id": f"{m['id']}-{k}", "text": f"{m['text']}{k}号"})
    return rows


@pytest.fixture
def tiny_run(project: Path):
    """A training config for a tiny BERT on the fixture's messages, split; nothing trained yet."""
    pytest.importorskip("torch")
    from inference.cli import main
    from tests.tiny import write_tiny_bert
    from training.config import FitConfig

    rows = _grow(MESSAGES, 8)
    write_jsonl(project / "labeling/data/messages.jsonl", rows)
    with pytest.raises(SystemExit):
        main(["label", "split"])
    base = write_tiny_bert(project / "base", [r["text"] for r in rows] + ["query: 谢谢收到我要退货质量有问题"])
    overrides = [f"base_model={base}", "run_dir=runs/tiny", "model_dir=models/tiny", "train.epochs=2",
                 "train.batch_size=8", "train.threads=1", "train.augment=false", "train.max_length=48",
                 "export.max_int8_f1_loss=1.0", "export.min_int8_agreement=0.0", "train.patience=5"]
    return load_config(FitConfig, None, overrides)
