"""Errors that name the record and field, so a bad row can be found and fixed.

Batch jobs write these to an error file and go on; the CLI turns a
`UsageError` into a one-line message and a non-zero exit.
"""

from __future__ import annotations

from typing import Any


class UsageError(Exception):
    """Bad input from the person running a command (a path, a flag, a config)."""


class RecordError(ValueError):
    """One input record is unusable; says where (line), which (id) and what (field)."""

    def __init__(self, error: str, *, field: str | None = None, line: int | None = None,
                 record_id: Any = None, source: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.field = field
        self.line = line
        self.record_id = record_id
        self.source = source

    def located(self, *, line: int | None = None, source: str | None = None,
                record_id: Any = None) -> "RecordError":
        """Fill in the location that the caller knows and the parser did not."""
        self.line = self.line if line is None else line
        self.source = self.source if source is None else source
        if self.record_id is None:
            self.record_id = record_id
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.record_id, "field": self.field, "error": self.error}

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        where += f"{self.line}: " if self.line is not None else (" " if where else "")
        rec = f"record {self.record_id!r}: " if self.record_id is not None else ""
        fld = f"field {self.field!r}: " if self.field else ""
        return f"{where}{rec}{fld}{self.error}"
