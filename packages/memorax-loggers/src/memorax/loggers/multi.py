"""Fan-out to several loggers, where one failing backend never stops training."""

import warnings
from collections.abc import Sequence

from memorax.core import Logger, Logs


class MultiLogger:
    """Sends every ``log`` and ``finish`` to each logger in turn.

    A logger that raises (no network, bad credentials, full disk) gets one warning,
    the first time; the others still get the data and training goes on. The failing
    logger is still called afterwards, so a passing outage loses only its own points.
    ``finish`` is idempotent and finishes every logger even if one of them raises.
    Wrap even a single backend in a ``MultiLogger`` to get this protection. As a
    context manager it finishes every logger on exit, also when training raises.

    Example:
        >>> with MultiLogger([DashboardLogger(total_steps=10_000), FileLogger("runs/ppo")]) as logger:
        ...     logger.log(logs, step=int(logs["step"]))  # doctest: +SKIP
    """

    def __init__(self, loggers: Sequence[Logger]) -> None:
        for logger in loggers:
            if not isinstance(logger, Logger):
                raise TypeError(f"{logger!r} is not a Logger: it needs log(logs, step) and finish() methods.")
        self.loggers = tuple(loggers)
        self._warned: set[int] = set()
        self._finished = False

    def __enter__(self) -> "MultiLogger":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def log(self, logs: Logs, step: int) -> None:
        for index, logger in enumerate(self.loggers):
            try:
                logger.log(logs, step)
            except Exception as error:  # noqa: BLE001 - a backend must not stop training
                self._warn_once(index, "log", error)

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        for index, logger in enumerate(self.loggers):
            try:
                logger.finish()
            except Exception as error:  # noqa: BLE001
                self._warn_once(index, "finish", error)

    def _warn_once(self, index: int, method: str, error: Exception) -> None:
        if index in self._warned:
            return
        self._warned.add(index)
        name = type(self.loggers[index]).__name__
        warnings.warn(
            f"{name}.{method} failed with {error!r}; training goes on and the other loggers keep "
            f"their data. Further failures of this {name} are not reported.",
            RuntimeWarning,
            stacklevel=3,
        )
