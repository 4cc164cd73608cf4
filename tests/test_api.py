"""The inline API with FastAPI's test client around a tiny model: every endpoint, every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("torch")

from fastapi.testclient import TestClient  # noqa: E402

from inference.api.app import create_app  # noqa: E402
from inference.api.settings import ApiSettings  # noqa: E402
from inference.gate_config import load_gate_config  # noqa: E402

KEY = "k" * 24
TICKET = {"id": "t1", "request": {"type": "return", "refund_amount": 10.0},
          "shop": {"id": "shop-1", "return_address": "浙江省杭州市西湖区文三路90号", "phone": "0571-88886666"},
          "events": [{"at": "2026-03-01T10:00:00+08:00", "actor": "consumer", "kind": "message", "text": "坏了"},
                     {"at": "2026-03-01T11:00:00+08:00", "actor": "merchant", "kind": "reject", "text": "1"},
                     {"at": "2026-03-01T12:00:00+08:00", "actor": "consumer", "kind": "complaint"}]}


def client_for(model_dir: Path, api_key: str | None = None, **settings) -> TestClient:
    app = create_app(model_dir, load_gate_config(), ApiSettings(**settings), api_key=api_key)
    return TestClient(app)


@pytest.fixture
def client(tiny_model_dir: Path):
    with client_for(tiny_model_dir, max_records=4, max_body_bytes=16384) as c:
        yield c


def post(c: TestClient, path: str, body, **kw):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    headers = {"content-type": "application/json", **kw.pop("headers", {})}
    return c.post(path, content=data, headers=headers, **kw)


def test_score_one_and_many_with_threshold_override(client) -> None:
    r = post(client, "/v1/score", {"id": "a", "text": "好的", "context": "我要退货", "shop": "s"})
    assert r.status_code == 200
    (row,) = r.json()["results"]
    assert row["id"] == "a" and row["shop"] == "s" and row["model"] == "tiny@0.0.1" and len(row["scores"]) == 5
    r = post(client, "/v1/score", {"records": [{"id": "a", "text": "好的"}, {"id": "b", "text": "请联系在线客服"}],
                                   "thresholds": {label: 0.0 for label in row["scores"]}})
    assert [len(x["labels"]) for x in r.json()["results"]] == [5, 5]


def test_evaluate_gives_decision_with_evidence(client) -> None:
    r = post(client, "/v1/evaluate", TICKET)
    assert r.status_code == 200
    (d,) = r.json()["results"]
    assert "R1_no_contact_reject" in d["codes"] and d["shop_id"] == "shop-1" and d["gate"] == "gate.v1"


def test_model_health_ready_metrics_docs(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["model"] == "tiny@0.0.1"
    info = client.get("/v1/model").json()
    assert info["labels"][0] == "meaningless" and info["gate"] == "gate.v1" and "deflection" in info["thresholds"]
    post(client, "/v1/score", {"id": "a", "text": "好的"})
    post(client, "/v1/score", b"{oops")
    text = client.get("/metrics").text
    assert 'aftersales_requests_total{path="/v1/score",status="200"}' in text
    assert 'aftersales_errors_total{kind="json"} 1' in text
    assert "aftersales_batch_size_count" in text and 'aftersales_model_info{model="tiny@0.0.1"} 1' in text
    assert client.get("/docs").status_code == 200 and "/v1/evaluate" in client.get("/openapi.json").text


@pytest.mark.parametrize("body, status, field, fragment", [
    (b"{oops", 400, "body", "invalid JSON"),
    (b'{"id": "a", "text": "\xff"}', 400, "body", "UTF-8"),
    (b'{"id": "a", "text": "a\x00"}', 400, "body", "NUL"),
    (b"[" * 40 + b"]" * 40, 400, "body", "nested"),
    ({"id": "a", "text": 5}, 422, "records[0].text", "must be a string"),
    ({"text": "好的"}, 422, "records[0].id", "missing"),
    ({"id": "a", "text": "   "}, 422, "records[0].text", "empty"),
    ({"id": "a", "text": "好" * 2001}, 422, "records[0].text", "over the limit"),
    ({"id": "a", "text": "o\u0000k"}, 422, "records[0].text", "NUL"),
    ([{"id": str(i), "text": "x"} for i in range(5)], 413, "records", "5 records"),
    ({"id": "a", "text": "x" * 20000}, 413, "body", "too large"),
    ({"records": [], "thresholds": {}}, 422, "records", "no records"),
    ({"records": [{"id": "a", "text": "x"}], "thresholds": {"rude": 0.5}}, 422, "thresholds.rude", "unknown label"),
    ({"records": [{"id": "a", "text": "x"}], "thresholds": {"deflection": 2}}, 422, "thresholds.deflection", "between"),
])
def test_bad_score_input_gets_4xx_naming_the_field(client, body, status, field, fragment) -> None:
    r = post(client, "/v1/score", body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and fragment in r.json()["error"]
    assert client.get("/healthz").status_code == 200                     # still serving


def test_bad_tickets_and_limits_are_named(client) -> None:
    bad = json.loads(json.dumps(TICKET))
    bad["events"][1]["kind"] = "shout"
    r = post(client, "/v1/evaluate", bad)
    assert r.status_code == 422 and r.json()["field"] == "records[0].events[1].kind"
    r = post(client, "/v1/score", {"id": "a", "text": "x" * 20000})
    assert r.status_code == 413 and r.json()["limit"] == 16384


def test_wrong_content_type(client) -> None:
    r = client.post("/v1/score", content=b'{"id": "a", "text": "x"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["field"] == "content-type"


def test_api_key(tiny_model_dir: Path) -> None:
    with client_for(tiny_model_dir, api_key=KEY) as c:
        assert post(c, "/v1/score", {"id": "a", "text": "x"}).status_code == 401
        assert post(c, "/v1/score", {"id": "a", "text": "x"}, headers={"x-api-key": "wrong"}).status_code == 401
        assert post(c, "/v1/score", {"id": "a", "text": "x"}, headers={"x-api-key": KEY}).status_code == 200
        assert post(c, "/v1/score", {"id": "a", "text": "x"},
                    headers={"authorization": f"Bearer {KEY}"}).status_code == 200
        assert c.get("/healthz").status_code == 200


def test_full_queue_answers_503_with_retry_after(tiny_model_dir: Path) -> None:
    with client_for(tiny_model_dir, queue_size=2) as c:
        r = post(c, "/v1/score", [{"id": str(i), "text": "x"} for i in range(3)])
        assert r.status_code == 503 and r.headers["retry-after"] == "1" and r.json()["field"] == "queue"
        assert post(c, "/v1/score", {"id": "a", "text": "x"}).status_code == 200


def test_slow_request_answers_504(tiny_model_dir: Path) -> None:
    with client_for(tiny_model_dir, request_timeout_s=0.0001, max_wait_ms=50) as c:
        r = post(c, "/v1/score", {"id": "a", "text": "x"})
        assert r.status_code == 504 and r.json()["kind"] == "timeout"
