"""The shared shape of the backends that keep one run (or writer) per seed."""

import abc
from typing import Any

from memorax.core import Logs
from memorax.loggers._scalars import as_step, finite, reduce_logs


class PerSeedLogger(abc.ABC):
    """Opens one run per seed at the first ``log`` call and writes each seed's finite scalars to it.

    The number of seeds is known only from the first logs, hence the lazy opening;
    later logs must have the same number. NaN scalars (no episode ended) are skipped.
    """

    def __init__(self) -> None:
        self._runs: list[Any] = []

    def log(self, logs: Logs, step: int) -> None:
        step = as_step(step)
        scalars = reduce_logs(logs)
        if not self._runs:
            self._runs = [self._open(seed) for seed in range(scalars.num_seeds)]
        elif len(self._runs) != scalars.num_seeds:
            raise ValueError(
                f"these logs have {scalars.num_seeds} seeds but the first ones had {len(self._runs)}; "
                f"use one {type(self).__name__} per number of seeds."
            )
        for seed, run in enumerate(self._runs):
            values = finite(scalars.seed(seed))
            if values:
                self._write(run, values, step)

    def finish(self) -> None:
        """Closes every run (safe to call twice)."""
        runs, self._runs = self._runs, []
        for run in runs:
            self._close(run)

    @abc.abstractmethod
    def _open(self, seed: int) -> Any:
        """Starts the run of seed ``seed``."""

    @abc.abstractmethod
    def _write(self, run: Any, values: dict[str, float], step: int) -> None:
        """Writes the finite scalars of one seed at ``step``."""

    @abc.abstractmethod
    def _close(self, run: Any) -> None:
        """Flushes and closes one run."""
