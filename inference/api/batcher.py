"""Micro-batching with back-pressure: concurrent requests share model calls.

Requests put their texts on a bounded queue and await a future. One worker
task takes the first waiting text, then keeps collecting until the batch is
full or `max_wait_ms` has passed since that first text, and runs the scorer
in a thread (onnxruntime releases the GIL), so under load throughput
approaches the batch job's while a lone request waits at most `max_wait_ms`.
When the queue is full the request is refused at once (the API answers 503
with Retry-After) instead of letting latency grow without bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.api.metrics import Metrics
from inference.scorer import Scorer


class QueueFull(Exception):
    """No room for the request's texts: the caller should retry later."""


@dataclass
class _Item:
    text: str
    context: str | None
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, scorer: Scorer, *, max_batch: int, max_wait_ms: float, queue_size: int,
                 metrics: Metrics) -> None:
        self.scorer, self.max_batch, self.max_wait = scorer, max_batch, max_wait_ms / 1000
        self.queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=queue_size)
        self.metrics = metrics
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Finish what is queued (draining on shutdown), then stop the worker."""
        while not self.queue.empty():
            await asyncio.sleep(0.01)
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def score(self, texts: Sequence[str], contexts: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, truncated) for the texts, in order; QueueFull when there is no room for all."""
        if self.queue.maxsize - self.queue.qsize() < len(texts):
            raise QueueFull
        loop = asyncio.get_running_loop()
        items = [_Item(t, c, loop.create_future()) for t, c in zip(texts, contexts)]
        for item in items:
            self.queue.put_nowait(item)
        self.metrics.queue_depth = self.queue.qsize()
        results = await asyncio.gather(*(i.future for i in items))
        if not results:
            return np.zeros((0, len(self.scorer.info.labels)), dtype=np.float32), np.zeros(0, dtype=bool)
        return np.stack([p for p, _ in results]), np.array([cut for _, cut in results], dtype=bool)

    async def _collect(self) -> list[_Item]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            self.metrics.queue_depth = self.queue.qsize()
            live = [i for i in batch if not i.future.done()]      # timed-out callers are skipped
            if not live:
                continue
            self.metrics.batch_size(len(live))
            try:
                scores = await asyncio.to_thread(self.scorer.score, [i.text for i in live],
                                                 [i.context for i in live])
            except Exception as exc:                             # the model failed: fail these requests
                for item in live:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, p, cut in zip(live, scores.probs, scores.truncated):
                if not item.future.done():
                    item.future.set_result((p, bool(cut)))
