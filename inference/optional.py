"""Imports of packages that live in an extra, with an error that says how to get them."""

from __future__ import annotations

import importlib
from types import ModuleType

from inference.errors import UsageError


def require(module: str, extra: str) -> ModuleType:
    """Import `module` or fail with the install command for the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(
            f"this command needs {module!r} from the {extra!r} extra: pip install -e '.[{extra}]'"
        ) from None
