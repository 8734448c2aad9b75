"""Logs reduced to scalars per seed and across seeds: what every backend writes."""

import dataclasses
import math
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from memorax.core import (
    EPISODE_DONE,
    EPISODE_LENGTH,
    EPISODE_RETURN,
    STEP,
    Logs,
    num_seeds,
    reduce_across_seeds,
    reduce_per_seed,
)

_EPISODE_KEYS = (EPISODE_RETURN, EPISODE_LENGTH, EPISODE_DONE)


@dataclasses.dataclass(frozen=True)
class Scalars:
    """The scalars of one ``logger.log`` call.

    ``per_seed[key]`` has shape ``(num_seeds,)``; ``across_seeds[key]`` is their
    NaN-ignoring mean. NaN means "no value", e.g. no episode ended in these logs.
    The logs' own ``"step"`` entry is left out: loggers use the ``step`` argument.
    """

    num_seeds: int
    per_seed: Mapping[str, np.ndarray]
    across_seeds: Mapping[str, float]

    def seed(self, index: int) -> dict[str, float]:
        """The scalars of seed ``index`` as Python floats (NaN kept)."""
        return {key: float(values[index]) for key, values in self.per_seed.items()}


def reduce_logs(logs: Logs) -> Scalars:
    """Reduces ``logs`` (with or without a leading seed axis) with the memorax.core reductions.

    Episode statistics under a prefix (``"eval/episode/return"`` with
    ``"eval/episode/done"``, e.g. evaluate logs merged into train logs) are reduced
    like unprefixed ones, each prefix with its own end mask.
    """
    seeds = num_seeds(logs)  # raises a clear error without "step"
    namespaces: dict[str, dict[str, object]] = defaultdict(lambda: {STEP: logs[STEP]})
    for key, value in logs.items():
        prefix = next((key[: -len(name)] for name in _EPISODE_KEYS if key.endswith(f"/{name}")), "")
        if key != STEP:
            namespaces[prefix][key[len(prefix) :]] = value
    per_seed = {
        f"{prefix}{key}": value
        for prefix, namespace in namespaces.items()
        for key, value in reduce_per_seed(namespace).items()
        if key != STEP
    }
    return Scalars(num_seeds=1 if seeds is None else seeds, per_seed=per_seed, across_seeds=reduce_across_seeds(per_seed))


def finite(scalars: Mapping[str, float]) -> dict[str, float]:
    """Drops NaN and infinite values: backends get "no point" rather than a NaN point."""
    return {key: value for key, value in scalars.items() if math.isfinite(value)}


def as_step(step: object) -> int:
    """The ``step`` argument of ``log`` as a Python int (accepts 0-d arrays)."""
    value = np.asarray(step)
    if value.ndim != 0 or not np.issubdtype(value.dtype, np.integer):
        raise TypeError(
            f"step must be an integer scalar (env steps so far); got {value.dtype} of shape {value.shape}. "
            "With vmapped logs pass one step for all seeds, e.g. int(logs['step'][0])."
        )
    return int(value)
