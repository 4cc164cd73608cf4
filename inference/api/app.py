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

    app.add_middleware(Guard, api_key=api_key)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, err: ApiError) -> JSONResponse:
        state = getattr(request.app.state, "s", None)
        if state is not None:
            state.metrics.error(err.kind)
        return err.response()

    from inference.api.routes import router
    app.include_router(router)
    return app


class Guard:
    """API-key check and request metrics as plain ASGI middleware.

    Starlette's `BaseHTTPMiddleware` costs a few milliseconds of CPU per
    request, which on a small server is time taken from the model.
    """

    def __init__(self, app, api_key: str | None = None) -> None:
        self.app = app
        self.key = api_key.encode() if api_key is not None else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, path, status = time.perf_counter(), scope["path"], 500
        if self.key is not None and path not in OPEN_PATHS:
            headers = dict(scope["headers"])
            given = headers.get(b"x-api-key") or headers.get(b"authorization", b"").removeprefix(b"Bearer ")
            if not hmac.compare_digest(given, self.key):
                await ApiError(401, "missing or wrong API key", field="x-api-key", kind="auth").response()(
                    scope, receive, send)
                self._count(scope, path, 401, start, "auth")
                return

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._count(scope, path, status, start, None)

    @staticmethod
    def _count(scope, path: str, status: int, start: float, kind: str | None) -> None:
        state = getattr(scope["app"].state, "s", None) if "app" in scope else None
        if state is not None:
            state.metrics.request(path, status, time.perf_counter() - start)
            if kind:
                state.metrics.error(kind)


def read_api_key(path: Path | None) -> str | None:
    if path is None:
        return None
    key = Path(path).read_text(encoding="utf-8").strip()
    if len(key) < 16:
        from inference.errors import UsageError
        raise UsageError(f"{path}: an API key must have at least 16 characters")
    return key
