"""Lazy imports of optional environment libraries, and the errors ``make`` raises."""

import difflib
import importlib
from collections.abc import Iterable
from types import ModuleType


def import_backend(module: str, extra: str) -> ModuleType:
    """Imports ``module``; if it is missing, raises an ``ImportError`` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"The {extra!r} environments need the optional dependency {module.split('.')[0]!r}: "
            f'pip install "memorax-envs[{extra}]"'
        ) from error


def unknown_id(namespace: str, name: str, known: Iterable[str]) -> ValueError:
    """The error for an id a backend does not have: lists what exists, closest first."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(f'{namespace}::{c}' for c in close)}?" if close else ""
    return ValueError(f"Unknown environment id {namespace}::{name!r}.{hint} Known {namespace} ids: {', '.join(known)}.")
