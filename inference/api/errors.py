"""Errors are data: every 4xx/5xx body names what was wrong, where, and the limit."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status: int, error: str, *, field: str | None = None, limit: Any = None,
                 kind: str = "bad_request", headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.limit = status, error, field, limit
        self.kind, self.headers = kind, headers or {}

    def response(self) -> JSONResponse:
        body = {"error": self.error, "kind": self.kind, "field": self.field}
        if self.limit is not None:
            body["limit"] = self.limit
        return JSONResponse(body, status_code=self.status, headers=self.headers)
