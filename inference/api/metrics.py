"""Prometheus metrics in the text exposition format, without a client library.

Counters and histograms guarded by one lock; the API updates them from the
event loop and the batching thread.
"""

from __future__ import annotations

import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1


class Metrics:
    def __init__(self, model: str) -> None:
        self.lock = threading.Lock()
        self.model = model
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.errors: dict[str, int] = defaultdict(int)
        self.latency: dict[str, Histogram] = defaultdict(lambda: Histogram(LATENCY_BUCKETS))
        self.batch = Histogram(BATCH_BUCKETS)
        self.queue_depth = 0

    def request(self, path: str, status: int, seconds: float) -> None:
        with self.lock:
            self.requests[(path, status)] += 1
            self.latency[path].observe(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1

    def batch_size(self, n: int) -> None:
        with self.lock:
            self.batch.observe(n)

    def render(self) -> str:
        with self.lock:
            out = ["# TYPE aftersales_requests_total counter"]
            out += [f'aftersales_requests_total{{path="{p}",status="{s}"}} {n}' for (p, s), n in sorted(self.requests.items())]
            out.append("# TYPE aftersales_errors_total counter")
            out += [f'aftersales_errors_total{{kind="{k}"}} {n}' for k, n in sorted(self.errors.items())]
            out.append("# TYPE aftersales_request_seconds histogram")
            for path, h in sorted(self.latency.items()):
                out += _hist("aftersales_request_seconds", h, f'path="{path}",')
            out.append("# TYPE aftersales_batch_size histogram")
            out += _hist("aftersales_batch_size", self.batch, "")
            out.append("# TYPE aftersales_queue_depth gauge")
            out.append(f"aftersales_queue_depth {self.queue_depth}")
            out.append("# TYPE aftersales_model_info gauge")
            out.append(f'aftersales_model_info{{model="{self.model}"}} 1')
            return "\n".join(out) + "\n"


def _hist(name: str, h: Histogram, labels: str) -> list[str]:
    lines, running = [], 0
    for bound, count in zip(h.buckets, h.counts):
        running = count
        lines.append(f'{name}_bucket{{{labels}le="{bound}"}} {running}')
    lines.append(f'{name}_bucket{{{labels}le="+Inf"}} {h.total}')
    lines.append(f"{name}_sum{{{labels.rstrip(',')}}} {h.sum}" if labels else f"{name}_sum {h.sum}")
    lines.append(f"{name}_count{{{labels.rstrip(',')}}} {h.total}" if labels else f"{name}_count {h.total}")
    return lines
