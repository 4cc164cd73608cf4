"""Crash-safe batch output: a killed job rerun with --resume ends with every record exactly once.

Rows are written in chunks. After each chunk the output and error files are
flushed and fsynced, and only then is `<output>.progress.json` replaced
atomically with how far the input was consumed and how many output bytes (or
Parquet parts) are committed. On resume the files are cut back to the
committed size, so rows written after the last commit (the ones a kill
interrupted) are dropped and produced again, never twice.

CSV and Parquet rows keep the job's core fields as columns, nested values as
JSON text, and the input's extra fields in one `extra` JSON column.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.errors import UsageError


@dataclass
class Progress:
    input: str
    position: int = 0                    # input records consumed (line or row number)
    output_bytes: int = 0
    errors_bytes: int = 0
    parts: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    done: bool = False


def cell_text(value: Any) -> str | None:
    """A cell: text stays text; numbers, booleans, lists and objects become JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _flat(row: dict[str, Any], core: tuple[str, ...]) -> dict[str, Any]:
    out = {k: cell_text(row.get(k)) for k in core}
    extra = {k: v for k, v in row.items() if k not in core}
    out["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    return out


class Sink:
    def __init__(self, output: str, fmt: str, *, input_path: str, core: tuple[str, ...], resume: bool,
                 errors_path: str | None = None) -> None:
        self.output, self.fmt, self.core = output, fmt, core
        self.stdout = output == "-"
        if self.stdout and resume:
            raise UsageError("--resume needs an output file, not stdout")
        if self.stdout and fmt == "parquet":
            raise UsageError("Parquet cannot be written to stdout")
        self.errors_path = Path(errors_path or ("errors.jsonl" if self.stdout else output + ".errors.jsonl"))
        self.progress_path = None if self.stdout else Path(output + ".progress.json")
        self.parts_dir = Path(output + ".parts")
        self.progress = self._start(input_path, resume)
        self.rows: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self._csv_header = self.progress.output_bytes > 0

    # -- start / resume ---------------------------------------------------------
    def _start(self, input_path: str, resume: bool) -> Progress:
        if resume:
            if not self.progress_path.exists():
                raise UsageError(f"--resume: no {self.progress_path.name} next to {self.output}; run without --resume")
            prog = Progress(**json.loads(self.progress_path.read_text()))
            if prog.input != input_path:
                raise UsageError(f"--resume: {self.output} was written from {prog.input}, not {input_path}")
            if prog.done:
                raise UsageError(f"--resume: {self.output} is already complete")
            self._truncate(Path(self.output), prog.output_bytes)
            self._truncate(self.errors_path, prog.errors_bytes)
            if self.fmt == "parquet":
                for part in sorted(self.parts_dir.glob("part-*.parquet"))[prog.parts:]:
                    part.unlink()
            return prog
        for stale in (self.progress_path, self.errors_path):
            if stale is not None and stale.exists():
                stale.unlink()
        if not self.stdout:
            Path(self.output).parent.mkdir(parents=True, exist_ok=True)
            if self.fmt == "parquet":
                shutil.rmtree(self.parts_dir, ignore_errors=True)
                self.parts_dir.mkdir(parents=True)
            else:
                Path(self.output).write_bytes(b"")
        self.errors_path.write_bytes(b"")
        return Progress(input=input_path)

    @staticmethod
    def _truncate(path: Path, size: int) -> None:
        if path.exists():
            with open(path, "r+b") as fh:
                fh.truncate(size)

    # -- writing ------------------------------------------------------------------
    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def error(self, err: dict[str, Any]) -> None:
        self.errors.append(err)

    def _encode(self) -> bytes:
        if self.fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows).encode()
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[*self.core, "extra"], lineterminator="\n")
        if not self._csv_header:
            writer.writeheader()
            self._csv_header = True
        writer.writerows(_flat(r, self.core) for r in self.rows)
        return buf.getvalue().encode()

    def _write_parquet_part(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([_flat(r, self.core) for r in self.rows],
                                     schema=pa.schema([(k, pa.string()) for k in (*self.core, "extra")]))
        name = self.parts_dir / f"part-{self.progress.parts:06d}.parquet"
        pq.write_table(table, name)
        self.progress.parts += 1

    @staticmethod
    def _append(path: Path, data: bytes) -> int:
        with open(path, "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

    def commit(self, position: int, stats: dict[str, Any]) -> None:
        """Make everything added so far durable, then record how far the input was consumed."""
        if self.rows:
            if self.stdout:
                sys.stdout.buffer.write(self._encode())
                sys.stdout.buffer.flush()
            elif self.fmt == "parquet":
                self._write_parquet_part()
            else:
                self.progress.output_bytes = self._append(Path(self.output), self._encode())
        if self.errors:
            data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.errors).encode()
            self.progress.errors_bytes = self._append(self.errors_path, data)
        self.rows, self.errors = [], []
        self.progress.position, self.progress.stats = position, stats
        self._save_progress()

    def _save_progress(self) -> None:
        if self.progress_path is None:
            return
        tmp = self.progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.progress.__dict__, ensure_ascii=False))
        os.replace(tmp, self.progress_path)

    def finish(self) -> None:
        """Join Parquet parts into the output file and mark the run complete."""
        if self.fmt == "parquet" and not self.stdout:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema([(k, pa.string()) for k in (*self.core, "extra")])
            with pq.ParquetWriter(self.output, schema) as writer:
                for part in sorted(self.parts_dir.glob("part-*.parquet")):
                    writer.write_table(pq.read_table(part))
            shutil.rmtree(self.parts_dir, ignore_errors=True)
        self.progress.done = True
        self._save_progress()
