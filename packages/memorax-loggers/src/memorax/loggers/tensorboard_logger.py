"""TensorBoard event files through tensorboardX, one run directory per seed."""

import os
from pathlib import Path
from typing import Any

from memorax.loggers._optional import import_backend
from memorax.loggers._per_seed import PerSeedLogger


class TensorBoardLogger(PerSeedLogger):
    """Writes the scalars of seed ``k`` to ``directory/seed_{k}``.

    TensorBoard overlays the seed runs when pointed at ``directory``
    (``tensorboard --logdir directory``). NaN scalars (no episode ended) are skipped.

    Example:
        >>> logger = TensorBoardLogger("runs/ppo/tensorboard")  # doctest: +SKIP
        >>> logger.log(logs, step=int(logs["step"].max()))  # doctest: +SKIP
        >>> logger.finish()  # doctest: +SKIP
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__()
        self._tensorboardx = import_backend("tensorboardX", extra="tensorboard")
        self.directory = Path(directory)

    def _open(self, seed: int) -> Any:
        return self._tensorboardx.SummaryWriter(logdir=os.fspath(self.directory / f"seed_{seed}"))

    def _write(self, writer: Any, values: dict[str, float], step: int) -> None:
        for key, value in values.items():
            writer.add_scalar(key, value, global_step=step)
        writer.flush()

    def _close(self, writer: Any) -> None:
        writer.close()
