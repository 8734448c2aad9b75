"""Lazy imports of the optional logging backends."""

import importlib
from types import ModuleType


def import_backend(module: str, extra: str) -> ModuleType:
    """Imports ``module`` or raises an ``ImportError`` that names the extra to install.

    The backends (wandb, neptune-scale, tensorboardX, orbax-checkpoint) are extras of
    memorax-loggers, so ``import memorax.loggers`` never imports them; a logger
    imports its backend when it is built.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"this logger needs the {module!r} package, which is not installed; "
            f'install it with: pip install "memorax-loggers[{extra}]"'
        ) from error
