"""Endpoints: /v1/score, /v1/evaluate, /v1/model, /healthz, /readyz, /metrics.

They call the same functions as the batch jobs (`score_rows`, `ticket_texts`,
`decide_all`); only the model call goes through the micro-batcher.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from inference.api.batcher import QueueFull
from inference.api.body import parse_all, read_json, records_of
from inference.api.errors import ApiError
from inference.batch import decide_all, score_rows, ticket_texts
from inference.records import parse_message
from inference.tickets import parse_ticket

router = APIRouter()

_RECORDS_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [{"type": "object", "description": "one record"},
              {"type": "array", "items": {"type": "object"}, "description": "several records"},
              {"type": "object", "properties": {
                  "records": {"type": "array", "items": {"type": "object"}},
                  "thresholds": {"type": "object", "additionalProperties": {"type": "number"},
                                 "description": "per-request threshold overrides, e.g. {\"deflection\": 0.7}"}}}]}}}}}


async def _scores(request: Request, texts, contexts):
    state = request.app.state.s
    try:
        return await asyncio.wait_for(state.batcher.score(texts, contexts), state.settings.request_timeout_s)
    except QueueFull:
        raise ApiError(503, "server busy: request queue full", field="queue", limit=state.settings.queue_size,
                       kind="overload", headers={"Retry-After": str(state.settings.retry_after_s)}) from None
    except asyncio.TimeoutError:
        raise ApiError(504, "request timed out", field="timeout", limit=state.settings.request_timeout_s,
                       kind="timeout") from None


@router.post("/v1/score", openapi_extra=_RECORDS_DOC)
async def score(request: Request) -> dict:
    """Message records ({"id", "text", "context"?}) -> {"results": [the batch job's output records]}."""
    state = request.app.state.s
    records, overrides = records_of(await read_json(request, state.settings), state.settings)
    messages = parse_all(records, parse_message)
    probs, cut = await _scores(request, [m.text for m in messages], [m.context for m in messages])
    thresholds = {**state.scorer.info.thresholds, **overrides}
    return {"results": score_rows(messages, probs, cut, thresholds, state.scorer.info.tag)}


@router.post("/v1/evaluate", openapi_extra=_RECORDS_DOC)
async def evaluate(request: Request) -> dict:
    """Ticket records -> {"results": [gate decisions with codes, evidence and measures]}."""
    state = request.app.state.s
    records, overrides = records_of(await read_json(request, state.settings), state.settings)
    tickets = parse_all(records, parse_ticket)
    texts = ticket_texts(tickets)
    probs, _ = await _scores(request, [ev.text for _, ev, _ in texts], [ctx for _, _, ctx in texts])
    thresholds = {**state.scorer.info.thresholds, **overrides}
    return {"results": decide_all(tickets, texts, probs, thresholds, state.gate, state.scorer.info.tag)}


@router.get("/v1/model")
async def model(request: Request) -> dict:
    state = request.app.state.s
    info = state.scorer.info
    return {"name": info.name, "version": info.version, "labels": list(info.labels), "thresholds": info.thresholds,
            "graph": state.scorer.graph, "max_length": info.max_length, "gate": state.gate.version}


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    state = getattr(request.app.state, "s", None)
    if state is None:
        raise ApiError(503, "model not loaded", field="model", kind="not_ready")
    return {"status": "ready", "model": state.scorer.info.tag}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    return request.app.state.s.metrics.render()
