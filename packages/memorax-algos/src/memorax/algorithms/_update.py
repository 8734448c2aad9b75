"""Optimizer steps, and epochs of minibatch updates with an optional early stop."""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._logs import mean_metrics
from memorax.algorithms._minibatch import make_minibatches
from memorax.core.typing import Array, Params, PRNGKey, PyTree

Metrics = dict[str, Array]


def gradient_step(
    loss_fn: Callable[..., tuple[Array, Metrics]],
    optimizer: optax.GradientTransformation,
    params: Params,
    optimizer_state: optax.OptState,
    *args: Any,
) -> tuple[Params, optax.OptState, Metrics]:
    """One optimizer step on ``loss_fn(params, *args) -> (loss, metrics)``."""
    (_, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, *args)
    updates, optimizer_state = optimizer.update(grads, optimizer_state, params)
    return optax.apply_updates(params, updates), optimizer_state, metrics


def joint_optimizer(*optimizers: optax.GradientTransformation) -> optax.GradientTransformation:
    """One optimizer over a tuple of parameter trees: the i-th optimizer steps the i-th tree.

    Lets one :func:`gradient_step` differentiate a joint loss (e.g. PPO's actor and
    critic losses) once and still update each network with its own optimizer.
    """

    def init(params: tuple) -> tuple:
        return tuple(optimizer.init(p) for optimizer, p in zip(optimizers, params, strict=True))

    def update(updates: tuple, state: tuple, params: tuple | None = None) -> tuple[tuple, tuple]:
        params = (None,) * len(optimizers) if params is None else params
        steps = [o.update(u, s, p) for o, u, s, p in zip(optimizers, updates, state, params, strict=True)]
        return tuple(u for u, _ in steps), tuple(s for _, s in steps)

    return optax.GradientTransformation(init, update)


def run_epochs(
    key: PRNGKey,
    carry: PyTree,
    batch: PyTree,
    update: Callable[[PyTree, PyTree], tuple[PyTree, Metrics]],
    num_epochs: int,
    num_minibatches: int,
    keep_sequences: bool,
    stop: Callable[[Metrics], Array] | None = None,
) -> tuple[PyTree, Metrics]:
    """``num_epochs`` passes of ``update(carry, minibatch) -> (carry, metrics)`` over shuffled minibatches.

    Args:
        carry: what the updates change (parameters and optimizer states).
        batch: the rollout, see :func:`memorax.algorithms._minibatch.make_minibatches`.
        stop: optional ``stop(epoch_mean_metrics) -> bool``; once true after an epoch,
            the remaining epochs are skipped (PPO's target-KL early stop).

    Returns:
        the final carry and the metrics averaged over the minibatches that ran.
    """

    def epoch(state: tuple[PyTree, Array], epoch_key: PRNGKey):
        carry, stopped = state
        minibatches = make_minibatches(epoch_key, batch, num_minibatches, keep_sequences)

        def run(carry: PyTree) -> tuple[PyTree, Metrics]:
            carry, metrics = jax.lax.scan(update, carry, minibatches)
            return carry, jax.tree.map(jnp.mean, metrics)

        if stop is None:
            carry, metrics = run(carry)
        else:
            shapes = jax.eval_shape(run, carry)[1]
            skip = lambda carry: (carry, jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes))
            carry, metrics = jax.lax.cond(stopped, skip, run, carry)
        ran = 1.0 - stopped.astype(jnp.float32)
        if stop is not None:
            stopped = jnp.logical_or(stopped, stop(metrics))
        return (carry, stopped), (metrics, ran)

    (carry, _), (metrics, ran) = jax.lax.scan(
        epoch, (carry, jnp.zeros((), bool)), jax.random.split(key, num_epochs)
    )
    return carry, mean_metrics(metrics, ran)
