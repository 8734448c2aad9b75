"""TensorBoard event files through tensorboardX, one run directory per seed."""

import os
from pathlib import Path
from typing import Any

from memorax.core import Logs
from memorax.loggers._optional import import_backend
from memorax.loggers._scalars import as_step, finite, reduce_logs


class TensorBoardLogger:
    """Writes the scalars of seed ``k`` to ``directory/seed_{k}``.

    TensorBoard overlays the seed runs when pointed at ``directory``
    (``tensorboard --logdir directory``). NaN scalars (no episode ended) are skipped.

    Example:
        >>> logger = TensorBoardLogger("runs/ppo/tensorboard")  # doctest: +SKIP
        >>> logger.log(logs, step=int(logs["step"][0]))  # doctest: +SKIP
        >>> logger.finish()  # doctest: +SKIP
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._tensorboardx = import_backend("tensorboardX", extra="tensorboard")
        self.directory = Path(directory)
        self._writers: list[Any] = []

    def log(self, logs: Logs, step: int) -> None:
        step = as_step(step)
        scalars = reduce_logs(logs)
        if not self._writers:
            self._writers = [
                self._tensorboardx.SummaryWriter(logdir=os.fspath(self.directory / f"seed_{seed}"))
                for seed in range(scalars.num_seeds)
            ]
        elif len(self._writers) != scalars.num_seeds:
            raise ValueError(
                f"these logs have {scalars.num_seeds} seeds but the first ones had {len(self._writers)}; "
                "use one TensorBoardLogger per number of seeds."
            )
        for seed, writer in enumerate(self._writers):
            for key, value in finite(scalars.seed(seed)).items():
                writer.add_scalar(key, value, global_step=step)
            writer.flush()

    def finish(self) -> None:
        """Closes the event files (safe to call twice)."""
        writers, self._writers = self._writers, []
        for writer in writers:
            writer.close()
