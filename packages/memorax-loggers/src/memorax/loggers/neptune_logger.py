"""Neptune through ``neptune-scale`` (the current client), one Neptune run per seed."""

import os
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from memorax.loggers._optional import import_backend
from memorax.loggers._per_seed import PerSeedLogger

_MODES = ("async", "offline", "disabled")


class NeptuneLogger(PerSeedLogger):
    """Logs each seed to its own Neptune run; the runs share an ``experiment_name``.

    ``project`` ("workspace/project") is required in every mode, offline included, as
    neptune-scale requires it; it falls back to the ``NEPTUNE_PROJECT`` environment
    variable. The runs are created at the first ``log`` call: run ``k`` has the id
    ``"{experiment_name}-seed_{k}"`` and the config entry ``seed_index=k``.
    ``mode="offline"`` stores the runs in SQLite files under ``log_directory`` (upload
    them later with ``neptune sync``). NaN scalars are skipped.

    Example:
        >>> logger = NeptuneLogger("me/memorax", mode="offline", log_directory="runs/neptune")  # doctest: +SKIP
        >>> logger.log(logs, step=int(logs["step"].max()))  # doctest: +SKIP
        >>> logger.finish()  # doctest: +SKIP
    """

    def __init__(
        self,
        project: str | None = None,
        *,
        experiment_name: str | None = None,
        config: Mapping[str, Any] | None = None,
        mode: Literal["async", "offline", "disabled"] = "async",
        log_directory: str | os.PathLike[str] | None = None,
        api_token: str | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
        project = project if project is not None else os.environ.get("NEPTUNE_PROJECT")
        if not project:
            raise ValueError(
                'NeptuneLogger needs project="workspace/project" (or the NEPTUNE_PROJECT environment '
                "variable), even offline."
            )
        super().__init__()
        self._neptune_scale = import_backend("neptune_scale", extra="neptune")
        self.experiment_name = experiment_name if experiment_name else f"memorax-{uuid.uuid4().hex[:8]}"
        self._settings = dict(project=project, mode=mode, api_token=api_token, log_directory=log_directory)
        self._config = dict(config or {})

    def _open(self, seed: int) -> Any:
        run = self._neptune_scale.Run(
            run_id=f"{self.experiment_name}-seed_{seed}",
            experiment_name=self.experiment_name,
            enable_console_log_capture=False,
            **self._settings,
        )
        run.log_configs({**self._config, "seed_index": seed}, flatten=True, cast_unsupported=True)
        return run

    def _write(self, run: Any, values: dict[str, float], step: int) -> None:
        run.log_metrics(values, step=step)

    def _close(self, run: Any) -> None:
        run.close()
