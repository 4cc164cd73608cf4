"""`aftersales serve` as a real process: ready, answers, and drains in-flight requests on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_then_sigterm_drains_in_flight_requests(tiny_model_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "api.yaml"
    cfg.write_text("max_wait_ms: 800\nmax_batch_size: 64\n")          # requests sit in the batcher for 0.8 s
    port = _free_port()
    exe = str(Path(sys.executable).with_name("aftersales"))
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--model", str(tiny_model_dir), "--config", str(cfg)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not become ready")
        results: list[int] = []

        def call(i: int) -> None:
            r = httpx.post(base + "/v1/score", content=json.dumps({"id": str(i), "text": "好的"}),
                           headers={"content-type": "application/json"}, timeout=30)
            results.append(r.status_code)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.3)                                   # requests are now waiting in the batcher
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(30)
        assert results == [200] * 8                       # every in-flight request was answered
        # uvicorn re-raises the signal after a graceful shutdown, so the exit status says SIGTERM
        assert proc.wait(30) in (0, -signal.SIGTERM)
        assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
