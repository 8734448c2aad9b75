"""Orbax checkpoints of the whole training state, to resume a run bit for bit."""

import math
import os
from pathlib import Path
from typing import Any, TypeVar

from memorax.core import Logs
from memorax.loggers._optional import import_backend
from memorax.loggers._scalars import as_step, reduce_logs

State = TypeVar("State")


class CheckpointLogger:
    """Saves and restores training-state pytrees under ``directory/<step>``.

    ``save(step, state)`` writes the whole state (params, optimizer states, carries,
    env states, buffers, PRNG keys; with or without a seed axis) and, next to it, the
    mean-over-seeds scalars of the latest ``log`` call, readable with
    :meth:`metrics`. ``restore(template)`` reads a checkpoint back into the structure,
    dtypes and shardings of ``template`` (a state, or ``jax.eval_shape`` of one), so
    ``train`` continues exactly where it stopped. Saving is synchronous: the state may
    be donated or changed as soon as ``save`` returns. ``max_to_keep`` keeps only the
    newest checkpoints.

    Example:
        >>> checkpoints = CheckpointLogger("runs/ppo/checkpoints")  # doctest: +SKIP
        >>> checkpoints.save(step, state)  # doctest: +SKIP
        >>> state = checkpoints.restore(jax.eval_shape(agent.init, key))  # doctest: +SKIP
    """

    def __init__(self, directory: str | os.PathLike[str], *, max_to_keep: int | None = None) -> None:
        if max_to_keep is not None and max_to_keep < 1:
            raise ValueError(f"max_to_keep must be None (keep all) or at least 1; got {max_to_keep}.")
        self._ocp = import_backend("orbax.checkpoint", extra="checkpoint")
        self.directory = Path(directory).absolute()
        self._manager = self._ocp.CheckpointManager(
            self.directory,
            options=self._ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, enable_async_checkpointing=False),
        )
        self._latest_metrics: dict[str, float | None] = {}
        self._closed = False

    def log(self, logs: Logs, step: int) -> None:
        """Remembers the mean-over-seeds scalars; the next ``save`` stores them with the state."""
        as_step(step)
        self._latest_metrics = {
            key: value if math.isfinite(value) else None for key, value in reduce_logs(logs).across_seeds.items()
        }

    def save(self, step: int, state: Any) -> None:
        """Writes ``state`` as checkpoint ``step`` (an existing one raises in orbax)."""
        ocp = self._ocp
        self._manager.save(
            as_step(step),
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), metrics=ocp.args.JsonSave(self._latest_metrics)
            ),
        )

    def restore(self, template: State, step: int | None = None) -> State:
        """Reads checkpoint ``step`` (the latest if ``None``) into the structure of ``template``."""
        step = self._existing_step(step)
        restored = self._manager.restore(
            step, args=self._ocp.args.Composite(state=self._ocp.args.StandardRestore(template))
        )
        return restored["state"]

    def metrics(self, step: int | None = None) -> dict[str, float]:
        """The scalars saved with checkpoint ``step`` (the latest if ``None``); NaN where none."""
        step = self._existing_step(step)
        restored = self._manager.restore(step, args=self._ocp.args.Composite(metrics=self._ocp.args.JsonRestore()))
        return {key: math.nan if value is None else value for key, value in restored["metrics"].items()}

    @property
    def steps(self) -> list[int]:
        """The steps that have a checkpoint, oldest first."""
        return sorted(self._manager.all_steps())

    def finish(self) -> None:
        """Closes the checkpoint manager (safe to call twice)."""
        if not self._closed:
            self._closed = True
            self._manager.close()

    def _existing_step(self, step: int | None) -> int:
        steps = self.steps
        if not steps:
            raise FileNotFoundError(f"there is no checkpoint in {self.directory}; save(step, state) writes one.")
        if step is None:
            return steps[-1]
        if as_step(step) not in steps:
            raise FileNotFoundError(f"there is no checkpoint for step {step} in {self.directory}; there are {steps}.")
        return int(step)
