"""Assembling the flat logs that ``train`` and ``evaluate`` return (memorax.core.logs)."""

from collections.abc import Mapping

import jax
import jax.numpy as jnp

from memorax.algorithms._steps import StepCount
from memorax.core.logs import EPISODE_DONE, EPISODE_LENGTH, EPISODE_RETURN, STEP
from memorax.core.typing import Array, Info

_EPISODE_KEYS = (EPISODE_RETURN, EPISODE_LENGTH, EPISODE_DONE)


def episode_logs(info: Info) -> dict[str, Array]:
    """The episode statistics that RecordEpisodeStatistics put in ``info``, if any."""
    return {key: info[key] for key in _EPISODE_KEYS if key in info}


def step_log(step: StepCount | Array) -> Array:
    """``logs["step"]``: the env transitions done, float32 (exact below 2**24, relative
    error below 6e-8 beyond), one scalar per seed, so that it never wraps like int32."""
    if isinstance(step, StepCount):
        return step.as_float()
    return jnp.asarray(step, jnp.float32)


def training_logs(
    step: StepCount | Array, episodes: Mapping[str, Array], losses: Mapping[str, Array]
) -> dict[str, Array]:
    """Logs of ``num_updates`` updates.

    Args:
        step: env transitions done after the call (logged by :func:`step_log`).
        episodes: episode statistics stacked ``(num_updates, steps, envs, ...)``; merged
            to ``(num_updates * steps, envs, ...)``.
        losses: per-update scalars ``(num_updates,)``, logged as ``"losses/<name>"``.
    """
    logs = {STEP: step_log(step)}
    for key, value in episodes.items():
        logs[key] = jnp.reshape(value, (value.shape[0] * value.shape[1], *value.shape[2:]))
    for name, value in losses.items():
        logs[f"losses/{name}"] = value
    return logs


def mean_metrics(metrics: Mapping[str, Array], weight: Array) -> dict[str, Array]:
    """Weighted mean of stacked metrics (e.g. skipped minibatches get weight 0)."""
    total = jnp.maximum(jnp.sum(weight), 1.0)
    return jax.tree.map(lambda x: jnp.sum(x * weight) / total, dict(metrics))
