"""The logs that ``train`` and ``evaluate`` return, and their reductions.

``Logs`` is a flat dict of arrays keyed by ``"group/name"`` strings:

* ``"step"``: environment transitions done so far when the logs were made, a scalar
  per seed. Its rank tells whether the logs carry a leading seed axis (from
  ``jax.vmap`` over seeds): ``()`` means one unvmapped run, ``(S,)`` means ``S`` seeds.
* ``"episode/return"``, ``"episode/length"``: per-step episode statistics of shape
  ``(*seed, steps, envs, ...)``, valid only where the mask ``"episode/done"``
  (same leading shape) is true, i.e. at the steps where an episode ended. A mask
  keeps a variable number of episodes per seed in fixed-shape arrays.
* any other key (``"losses/actor"``, ...): per-update values stacked on a leading
  axis after the seed axis.

The reductions here are the one place where these arrays become numbers; every
logger uses them. They run on the host (numpy) and accept jax arrays.
"""

from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from memorax.core.typing import ArrayLike

Logs: TypeAlias = Mapping[str, Any]

STEP = "step"
EPISODE_RETURN = "episode/return"
EPISODE_LENGTH = "episode/length"
EPISODE_DONE = "episode/done"
EPISODE_COUNT = "episode/count"
_EPISODE_VALUES = (EPISODE_RETURN, EPISODE_LENGTH)


def flatten_logs(nested: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flattens nested dicts into ``"outer/inner"`` keys.

    >>> flatten_logs({"losses": {"actor": 1.0}, "step": 3})
    {'losses/actor': 1.0, 'step': 3}
    """
    flat: dict[str, Any] = {}
    for name, value in nested.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten_logs(value, prefix=f"{key}/"))
        else:
            flat[key] = value
    return flat


def num_seeds(logs: Logs) -> int | None:
    """The size of the leading seed axis, or ``None`` for unvmapped logs."""
    if STEP not in logs:
        raise KeyError(
            f"logs have no {STEP!r} entry; `train` and `evaluate` always return one "
            "(the env steps done so far), and loggers use its rank to find the seed axis."
        )
    step = np.asarray(logs[STEP])
    if step.ndim > 1:
        raise ValueError(f"logs[{STEP!r}] must be a scalar or a (seeds,) vector; got shape {step.shape}.")
    return None if step.ndim == 0 else int(step.shape[0])


def with_seed_axis(logs: Logs) -> dict[str, np.ndarray]:
    """Returns host copies of ``logs`` with a leading seed axis (size 1 if it had none)."""
    add_axis = num_seeds(logs) is None
    return {key: np.asarray(value)[None] if add_axis else np.asarray(value) for key, value in logs.items()}


def masked_mean(values: ArrayLike, mask: ArrayLike, num_leading_axes: int = 0) -> np.ndarray:
    """Mean of ``values`` where ``mask`` is true, keeping the first ``num_leading_axes`` axes.

    ``mask`` may have fewer trailing axes than ``values`` (it is broadcast over them,
    e.g. one episode-end flag for all agents). Where nothing is masked in, the
    result is NaN rather than a silent zero.

    >>> masked_mean([[1.0, 5.0], [2.0, 9.0]], [[True, False], [True, False]], 1)
    array([1., 2.])
    """
    values = np.asarray(values, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != values.shape[: mask.ndim]:
        raise ValueError(
            f"mask shape {mask.shape} must be a prefix of the values' shape {values.shape}."
        )
    mask = np.broadcast_to(mask.reshape(mask.shape + (1,) * (values.ndim - mask.ndim)), values.shape)
    axes = tuple(range(num_leading_axes, values.ndim))
    total = np.where(mask, values, 0.0).sum(axis=axes)
    count = mask.sum(axis=axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def episode_return_per_seed(logs: Logs) -> np.ndarray:
    """Mean return of the episodes that ended in ``logs``, one value per seed ``(S,)``.

    A seed with no finished episode gets NaN. Unvmapped logs give shape ``(1,)``.
    """
    host = with_seed_axis(logs)
    _require_episode_statistics(host)
    return masked_mean(host[EPISODE_RETURN], host[EPISODE_DONE], num_leading_axes=1)


def episode_return(logs: Logs) -> float:
    """Mean over seeds of the per-seed mean episode return (seeds without episodes skipped).

    Each seed weighs the same whatever its number of finished episodes. NaN when no
    seed finished an episode.
    """
    per_seed = episode_return_per_seed(logs)
    return float(np.nan) if np.all(np.isnan(per_seed)) else float(np.nanmean(per_seed))


def reduce_per_seed(logs: Logs) -> dict[str, np.ndarray]:
    """Reduces every entry of ``logs`` to one number per seed: ``{key: (S,) float64}``.

    Episode statistics become masked means over finished episodes (NaN where none
    finished) and ``"episode/count"`` counts them; ``"step"`` is kept; any other
    entry becomes the NaN-ignoring mean over its non-seed axes.
    """
    host = with_seed_axis(logs)
    reduced: dict[str, np.ndarray] = {}
    done = host.get(EPISODE_DONE)
    for key, value in host.items():
        if key == EPISODE_DONE:
            reduced[EPISODE_COUNT] = value.reshape(value.shape[0], -1).sum(axis=1).astype(np.float64)
        elif key in _EPISODE_VALUES and done is not None:
            reduced[key] = masked_mean(value, done, num_leading_axes=1)
        elif key == STEP:
            reduced[key] = value.astype(np.float64)
        else:
            reduced[key] = _nanmean_per_seed(value)
    return reduced


def reduce_across_seeds(per_seed: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Averages the output of :func:`reduce_per_seed` over seeds (NaN-ignoring)."""
    return {
        key: float(np.nan) if np.all(np.isnan(value)) else float(np.nanmean(value))
        for key, value in per_seed.items()
    }


def _nanmean_per_seed(value: np.ndarray) -> np.ndarray:
    flat = value.reshape(value.shape[0], -1).astype(np.float64)
    finite = ~np.isnan(flat)
    count = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.where(finite, flat, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)


def _require_episode_statistics(logs: Mapping[str, np.ndarray]) -> None:
    missing = [key for key in (EPISODE_RETURN, EPISODE_DONE) if key not in logs]
    if missing:
        raise KeyError(
            f"logs have no {missing}; wrap the environment in "
            "memorax.environments.wrappers.RecordEpisodeStatistics to record episodes."
        )
