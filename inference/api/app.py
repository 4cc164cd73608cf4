"""The FastAPI application: model loaded in the lifespan, never at import; routers in routes.py.

`create_app` takes the model directory, gate config and settings, so tests
build an app around a tiny model and `aftersales serve` around the default.
"""

from __future__ import annotations

import hmac
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from inference.api.batcher import MicroBatcher
from inference.api.errors import ApiError
from inference.api.metrics import Metrics
from inference.api.settings import ApiSettings
from inference.gate_config import GateConfig
from inference.scorer import Scorer

OPEN_PATHS = {"/healthz", "/readyz", "/docs", "/openapi.json", "/docs/oauth2-redirect"}


@dataclass
class State:
    scorer: Scorer
    batcher: MicroBatcher
    gate: GateConfig
    settings: ApiSettings
    metrics: Metrics


def create_app(model_dir: Path, gate: GateConfig, settings: ApiSettings, *, api_key: str | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scorer = Scorer(model_dir, threads=settings.threads)        # verifies the manifest first
        metrics = Metrics(scorer.info.tag)
        batcher = MicroBatcher(scorer, max_batch=settings.max_batch_size, max_wait_ms=settings.max_wait_ms,
                               queue_size=settings.queue_size, metrics=metrics)
        batcher.start()
        app.state.s = State(scorer, batcher, gate, settings, metrics)
        yield
        await batcher.stop()                                          # drain what is queued

    app = FastAPI(title="aftersales-guard", version="1", lifespan=lifespan,
                  description="Scores merchant after-sales texts and decides rule violations with evidence.")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        start = time.perf_counter()
        if api_key is not None and request.url.path not in OPEN_PATHS:
            given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), api_key.encode()):
                response = ApiError(401, "missing or wrong API key", field="x-api-key", kind="auth").response()
                _count(request, response.status_code, start, "auth")
                return response
        try:
            response = await call_next(request)
        except ApiError as err:                     # raised while streaming the body
            response = err.response()
        _count(request, response.status_code, start, None)
        return response

    def _count(request: Request, status: int, start: float, kind: str | None) -> None:
        state = getattr(request.app.state, "s", None)
        if state is not None:
            state.metrics.request(request.url.path, status, time.perf_counter() - start)
            if kind:
                state.metrics.error(kind)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, err: ApiError) -> JSONResponse:
        state = getattr(request.app.state, "s", None)
        if state is not None:
            state.metrics.error(err.kind)
        return err.response()

    from inference.api.routes import router
    app.include_router(router)
    return app


def read_api_key(path: Path | None) -> str | None:
    if path is None:
        return None
    key = Path(path).read_text(encoding="utf-8").strip()
    if len(key) < 16:
        from inference.errors import UsageError
        raise UsageError(f"{path}: an API key must have at least 16 characters")
    return key
