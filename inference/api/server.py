"""The app factory uvicorn imports in each worker process (`aftersales serve`).

Settings travel in environment variables so that `--workers N` processes all
build the same app; each loads and verifies the model in its own lifespan.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from inference.api.app import create_app, read_api_key
from inference.api.settings import load_api_settings
from inference.batch import resolve_model
from inference.gate_config import load_gate_config

ENV = ("AFTERSALES_MODEL", "AFTERSALES_GATE", "AFTERSALES_API_CONFIG", "AFTERSALES_API_KEY_FILE")


def _path(name: str) -> Path | None:
    return Path(os.environ[name]) if os.environ.get(name) else None


def build() -> FastAPI:
    return create_app(resolve_model(_path("AFTERSALES_MODEL")), load_gate_config(_path("AFTERSALES_GATE")),
                      load_api_settings(_path("AFTERSALES_API_CONFIG")),
                      api_key=read_api_key(_path("AFTERSALES_API_KEY_FILE")))
