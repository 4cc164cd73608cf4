"""The `aftersales` command line.

The inference room owns the program; the other rooms plug their command
groups in through the `aftersales.commands` entry-point group, so that this
module never imports `training` or `labeling` (a scoring server installs
neither). Commands raise `UsageError`/`RecordError`; `main` turns them into a
one-line reason and exit code 2.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from inference import __version__
from inference.errors import RecordError, UsageError

HELP = (
    "aftersales-guard: find merchants who mishandle after-sales requests.\n\n"
    "Rooms: `label` (gold data, labeling functions, augmentation), `train` and `export` "
    "(base encoder, fine-tuning, ONNX model directories); a room's commands appear when it is installed."
)

app = typer.Typer(name="aftersales", help=HELP, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)


@app.command()
def version() -> None:
    """Print the installed version and the command groups that are plugged in."""
    groups = sorted(ep.name for ep in entry_points(group="aftersales.commands"))
    typer.echo(f"aftersales-guard {__version__}; command groups: {', '.join(groups) or 'none'}")


_registered: set[str] = set()


def _register_rooms() -> None:
    """Attach every installed room's commands (once per process): a Typer app becomes a
    command group (`aftersales label …`), a function a top-level command (`aftersales export`)."""
    for ep in sorted(entry_points(group="aftersales.commands"), key=lambda e: e.name):
        if ep.name in _registered:
            continue
        target = ep.load()
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=ep.name)
        else:
            app.command(name=ep.name)(target)
        _registered.add(ep.name)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command, and report bad input in one line instead of a traceback."""
    _register_rooms()
    try:
        app(args=argv, prog_name="aftersales")
    except (UsageError, RecordError) as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
