"""Weights & Biases: one W&B run per seed, grouped so that W&B aggregates the seeds."""

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from memorax.loggers._optional import import_backend
from memorax.loggers._per_seed import PerSeedLogger

_MODES = ("online", "offline", "disabled")


class WandbLogger(PerSeedLogger):
    """Logs each seed to its own W&B run; the runs share a ``group``.

    W&B's own grouping draws the mean and spread over seeds, so no across-seed run is
    written. The runs are created at the first ``log`` call, when the number of seeds
    is known: run ``k`` is named ``"{name}/seed_{k}"`` and gets ``seed_index=k`` in its
    config. NaN scalars (no episode ended) are skipped rather than logged.
    ``mode="offline"`` writes the runs under ``directory`` without any network
    (upload them later with ``wandb sync``). W&B writes the run files from a background
    service: they are complete at interpreter exit, or after ``wandb.teardown()``, which
    may be later than ``finish`` returns.

    Example:
        >>> logger = WandbLogger(project="memorax", name="ppo-gru", mode="offline")  # doctest: +SKIP
        >>> logger.log(logs, step=int(logs["step"].max()))  # doctest: +SKIP
        >>> logger.finish()  # doctest: +SKIP
    """

    def __init__(
        self,
        project: str | None = None,
        *,
        entity: str | None = None,
        name: str | None = None,
        group: str | None = None,
        config: Mapping[str, Any] | None = None,
        tags: Sequence[str] = (),
        mode: Literal["online", "offline", "disabled"] = "online",
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
        super().__init__()
        self._wandb = import_backend("wandb", extra="wandb")
        self.name = name if name is not None else f"memorax-{uuid.uuid4().hex[:8]}"
        self._settings = dict(
            project=project,
            entity=entity,
            group=group if group is not None else self.name,
            tags=list(tags),
            mode=mode,
            dir=None if directory is None else os.fspath(directory),
        )
        self._config = dict(config or {})

    def _open(self, seed: int) -> Any:
        if self._settings["dir"] is not None:
            os.makedirs(self._settings["dir"], exist_ok=True)
        return self._wandb.init(
            name=f"{self.name}/seed_{seed}",
            config={**self._config, "seed_index": seed},
            reinit="create_new",
            **self._settings,
        )

    def _write(self, run: Any, values: dict[str, float], step: int) -> None:
        run.log(values, step=step)

    def _close(self, run: Any) -> None:
        run.finish()
