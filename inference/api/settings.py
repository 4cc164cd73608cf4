"""API settings (`configs/api.yaml`): batching, back-pressure and input bounds."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from inference.config import StrictModel, load_config

DEFAULT_API = Path(__file__).resolve().parents[2] / "configs" / "api.yaml"


class ApiSettings(StrictModel):
    max_batch_size: int = Field(32, ge=1, le=1024)      # texts per model call
    max_wait_ms: float = Field(5.0, ge=0, le=1000)      # how long a lone request may wait for company
    queue_size: int = Field(512, ge=1)                  # texts waiting; past this, 503 at once
    request_timeout_s: float = Field(10.0, gt=0)        # past this, 504
    max_body_bytes: int = Field(1 << 20, ge=1024)
    max_records: int = Field(256, ge=1)                 # records per request
    max_json_depth: int = Field(32, ge=4)
    retry_after_s: int = Field(1, ge=1)
    threads: int | None = None                          # onnxruntime intra-op threads per worker


def load_api_settings(path: Path | None = None, overrides: list[str] | None = None) -> ApiSettings:
    return load_config(ApiSettings, path or DEFAULT_API, overrides)
