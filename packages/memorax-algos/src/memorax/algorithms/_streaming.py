"""Eligibility traces and ObGD, the step-size rule of streaming deep RL.

Elsayed, Vasan and Mahmood 2024, "Streaming Deep Reinforcement Learning Finally Works"
(arXiv:2410.14606), Algorithm 1 (ObGD) and Algorithm 3 (Stream AC(lambda)).

Each env keeps its own accumulating trace ``z`` (a pytree shaped like the parameters
with the env axis leading). At step ``t`` with gradient ``g_t``:

    z <- gamma * lambda * (1 - done_t) * z + g_t

where ``done_t`` marks ``o_t`` as the first observation of an episode, so every trace
starts at zero with each episode. ObGD then moves the weights along ``delta * z`` with
the largest step that does not overshoot the TD error:

    step = lr / max(1, lr * kappa * max(|delta|, 1) * ||z||_1)
    w <- w + step * delta * z

With several envs every env's update is bounded on its own and the updates are
averaged, so the average is bounded too.
"""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from memorax.algorithms._config import updates_for
from memorax.algorithms._logs import training_logs
from memorax.core.logs import Logs
from memorax.core.typing import Array, ArrayLike, Params, PRNGKey, PyTree


def train_every_step(
    step: Callable[[Any, PRNGKey], tuple[Any, tuple[dict, dict]]], key: PRNGKey, state: Any, num_steps: int,
    config: Any,
) -> tuple[Any, Logs]:
    """``ceil(num_steps / num_envs)`` scanned calls of ``step(state, key) -> (state, (episode stats, metrics))``.

    Streaming algorithms update once per vector step (a budget that is not a multiple
    of ``num_envs`` is rounded up to whole vector steps): each step's episode
    statistics ``(N,)`` and scalar metrics are stacked into the logs of ``train``.
    """
    vector_steps = updates_for(config, num_steps, config.num_envs)
    state, (episodes, metrics) = jax.lax.scan(step, state, jax.random.split(key, vector_steps))
    episodes = jax.tree.map(lambda x: x[:, None], episodes)
    return state, training_logs(state.step, episodes, metrics)


def per_env(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(params, *rows)`` vmapped over the env axis of ``rows``, each call on a batch of one.

    Every leaf of ``rows`` is ``(N, ...)``; ``fn`` sees ``(1, ...)`` leaves (the batch
    axis networks expect) and its outputs lose that axis again. ``params`` is shared.
    Used to take one gradient per env.
    """

    def single(params: Params, *rows: PyTree) -> Any:
        return fn(params, *jax.tree.map(lambda x: x[None], rows))

    def batched(params: Params, *rows: PyTree) -> Any:
        return jax.vmap(single, in_axes=(None, *(0,) * len(rows)))(params, *rows)

    return batched


def first_row(tree: PyTree) -> PyTree:
    """Drops the batch-of-one axis of every leaf: ``(1, ...) -> (...)``."""
    return jax.tree.map(lambda x: x[0], tree)


def zero_traces(params: Params, num_envs: int) -> PyTree:
    """One zero trace per env: leaves ``(num_envs, *param.shape)`` in the params' dtypes."""
    return jax.tree.map(lambda p: jnp.zeros((num_envs, *p.shape), p.dtype), params)


def _per_env(factor: Array, leaf: Array) -> Array:
    return jnp.reshape(factor, factor.shape + (1,) * (leaf.ndim - factor.ndim)).astype(leaf.dtype)


def accumulate_traces(traces: PyTree, grads: PyTree, decay: Array) -> PyTree:
    """``z <- decay * z + g`` per env; ``decay`` ``(N,)`` is ``gamma * lambda * (1 - done_t)``."""
    return jax.tree.map(lambda z, g: _per_env(decay, z) * z + g, traces, grads)


def l1_norm(traces: PyTree) -> Array:
    """``||z||_1`` of every env's trace, ``(N,)``."""
    leaves = jax.tree.leaves(traces)
    return sum(jnp.sum(jnp.abs(z), axis=tuple(range(1, z.ndim))) for z in leaves)


def obgd_step_size(delta: Array, traces: PyTree, lr: ArrayLike, kappa: ArrayLike) -> Array:
    """ObGD's effective step size per env ``(N,)``: ``lr / max(1, lr * kappa * max(|delta|, 1) * ||z||_1)``."""
    bound = lr * kappa * jnp.maximum(jnp.abs(delta), 1.0) * l1_norm(traces)
    return lr / jnp.maximum(bound, 1.0)


def obgd_update(params: Params, traces: PyTree, delta: Array, lr: ArrayLike, kappa: ArrayLike) -> tuple[Params, Array]:
    """``w + mean_env(step * delta * z)``; returns the new params and the steps ``(N,)``.

    Args:
        params: the weights (no env axis).
        traces: per-env traces, leaves ``(N, *param.shape)``.
        delta: per-env TD errors ``(N,)``.
        lr, kappa: ObGD's step size and overshooting bound.
    """
    step = obgd_step_size(delta, traces, lr, kappa)
    scale = step * delta
    new_params = jax.tree.map(lambda w, z: w + jnp.mean(_per_env(scale, z) * z, axis=0), params, traces)
    return new_params, step
