"""Load benchmark of the inline API on loopback.

Starts `aftersales serve` on 127.0.0.1, drives it with a bounded number of
concurrent clients for a bounded time (each request: one merchant text, as a
review queue sends them), and prints requests/s, p50/p95/p99 latency and
error counts, plus the ratio of its throughput to the batch scorer's on the
same messages, measured in the same run. `--overload` shrinks the queue so
that excess load must be refused with 503 (not time out or crash) and checks
the server is still healthy afterwards. Ends with one JSON line of figures.

    python benchmarks/api_load.py --clients 1 --seconds 20
    python benchmarks/api_load.py --clients 32 --seconds 20
    python benchmarks/api_load.py --clients 64 --seconds 15 --overload
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.batch import resolve_model  # noqa: E402
from inference.scorer import Scorer  # noqa: E402


def messages(limit: int) -> list[dict]:
    rows = [json.loads(x) for x in (ROOT / "labeling/data/messages.jsonl").read_text(encoding="utf-8").splitlines()]
    return [{"id": r["id"], "text": r["text"], **({"context": r["context"]} if r.get("context") else {})}
            for r in rows[:limit]]


def batch_rate(model: Path, msgs: list[dict], threads: int | None) -> float:
    scorer = Scorer(model, threads=threads)
    scorer.score([m["text"] for m in msgs[:64]], [m.get("context") for m in msgs[:64]])      # warm up
    start = time.perf_counter()
    scorer.score([m["text"] for m in msgs], [m.get("context") for m in msgs])
    return len(msgs) / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drive(base: str, msgs: list[dict], clients: int, seconds: float) -> dict:
    import httpx

    latencies: list[float] = []
    status: dict[str, int] = {}
    stop = time.perf_counter() + seconds

    async def client(k: int, http: httpx.AsyncClient) -> None:
        i = k
        while time.perf_counter() < stop:
            body = json.dumps(msgs[i % len(msgs)], ensure_ascii=False)
            i += clients
            t0 = time.perf_counter()
            try:
                r = await http.post(base + "/v1/score", content=body, headers={"content-type": "application/json"})
                key = str(r.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            status[key] = status.get(key, 0) + 1

    limits = httpx.Limits(max_connections=clients + 4)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(k, http) for k in range(clients)))
        elapsed = time.perf_counter() - start
        healthy = (await http.get(base + "/healthz")).status_code == 200
    ok = status.get("200", 0)
    lat = np.array(latencies) * 1000
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": int(sum(status.values())),
            "ok": ok, "status": status, "requests_per_s": round(ok / elapsed, 1),
            "p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "p99_ms": round(float(np.percentile(lat, 99)), 1), "healthy_after": healthy}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--max-wait-ms", type=float, default=5.0, help="the batcher's max wait (configs/api.yaml)")
    ap.add_argument("--overload", action="store_true", help="small queue: excess load must get 503s")
    ap.add_argument("--server-cpus", default=None, help="pin the server (and the batch baseline) to these CPUs, "
                                                        "e.g. 1; the clients get the others")
    args = ap.parse_args()
    model = resolve_model(args.model)
    msgs = messages(args.messages)
    server_cpus = {int(c) for c in args.server_cpus.split(",")} if args.server_cpus else None
    if server_cpus:                         # the baseline runs where the server will run, then moves away
        os.sched_setaffinity(0, server_cpus)
    rate = batch_rate(model, msgs, args.threads)
    if server_cpus:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) - server_cpus)
    cfg = Path(tempfile.mkdtemp()) / "api.yaml"
    cfg.write_text("queue_size: 8\nmax_batch_size: 8\nrequest_timeout_s: 10\n" if args.overload
                   else f"queue_size: 512\nmax_batch_size: 32\nmax_wait_ms: {args.max_wait_ms}\n")
    port = free_port()
    exe = str(Path(sys.executable).with_name("aftersales"))
    env = dict(os.environ)
    pin = ["taskset", "-c", args.server_cpus] if server_cpus else []
    proc = subprocess.Popen([*pin, exe, "serve", "--port", str(port), "--model", str(model), "--config", str(cfg)],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        result = asyncio.run(drive(base, msgs, args.clients, args.seconds))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    result.update(batch_msgs_per_s=round(rate, 1), ratio_api_vs_batch=round(result["requests_per_s"] / rate, 3),
                  overload=args.overload, max_wait_ms=args.max_wait_ms, server_cpus=args.server_cpus,
                  model=Scorer(model).info.tag,
                  hardware=f"{platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.clients} clients, {result['seconds']} s: {result['requests_per_s']} requests/s, "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
          f"status {result['status']}; batch scorer {rate:.1f} msgs/s; ratio {result['ratio_api_vs_batch']}; "
          f"healthy after: {result['healthy_after']}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
