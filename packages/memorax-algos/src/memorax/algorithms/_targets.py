"""Off-policy targets: n-step returns, R2D2's value rescaling, and target networks.

Index convention (as in :mod:`memorax.algorithms._returns`), for one row of ``T``
steps: ``reward[t]`` follows ``action[t]`` at ``o_t``; ``next_value[t]`` is the value of
the *true* next observation ``o_{t+1}`` (the final observation where the episode
ended after ``t``); ``discount[t] = gamma * (1 - terminated[t])`` and
``trace[t] = 1 - truncated[t]``, so a return stops at a termination (no bootstrap)
and at a truncation (bootstraps from ``next_value[t]``), never leaking into the next
episode.
"""

import jax
import jax.numpy as jnp

from memorax.algorithms._steps import StepCount
from memorax.core.typing import Array, ArrayLike, Params


def n_step_bootstrap(reward: Array, discount: Array, trace: Array, n_step: int) -> tuple[Array, Array, Array]:
    """Every start's n-step target of one row as ``G_t = R_t + D_t * next_value[I_t]``.

    The horizon is ``min(n_step, T - t)``: near the row's end the return shortens to
    the steps the row holds. ``R_t`` sums the discounted rewards up to the bootstrap
    step ``I_t`` (the horizon's last step, or an earlier truncation), ``D_t`` is the
    discount applied there (0 after a termination). The affine form lets scalar
    targets (:func:`n_step_returns`) and distributional ones (C51's projection of
    ``R_t + D_t Z``) share the same bookkeeping.

    Args:
        reward, discount, trace: ``(T,)``, see the module docstring.
        n_step: horizon ``n >= 1``.

    Returns:
        ``(R, D, I)``, each ``(T,)``; ``I`` is int32.
    """
    if reward.ndim != 1:
        raise ValueError(f"expected unbatched (T,) rewards, got shape {reward.shape}; jax.vmap over rows.")
    if n_step < 1:
        raise ValueError(f"n_step={n_step} must be >= 1.")
    length = reward.shape[0]
    start = jnp.arange(length)
    total, scale, index = reward, discount, start
    for horizon in range(2, min(n_step, length) + 1):
        # G^(h)_t = r_t + d_t * ((1 - c_t) v_t + c_t G^(h-1)_{t+1}); rows too short keep G^(h-1).
        later = lambda x: jnp.concatenate([x[1:], x[-1:]])
        extend = start + horizon <= length
        continues = trace > 0.5
        total = jnp.where(extend, reward + discount * trace * later(total), total)
        scale = jnp.where(extend, discount * jnp.where(continues, later(scale), 1.0), scale)
        index = jnp.where(extend & continues, later(index), index)
    return total, scale, index.astype(jnp.int32)


def n_step_returns(reward: Array, discount: Array, trace: Array, next_value: Array, n_step: int) -> Array:
    """n-step returns of one row, for every start with a full horizon.

    ``G_t = r_t + discount_t * ((1 - trace_t) * next_value_t + trace_t * G'_{t+1})``,
    where ``G'`` has one step less and the horizon's last step bootstraps fully:
    ``G^(1)_t = r_t + discount_t * next_value_t``.

    Args:
        reward, discount, trace, next_value: ``(T,)``, see the module docstring.
        n_step: horizon ``n >= 1``, at most ``T``.

    Returns:
        ``(T - n_step + 1,)`` returns for starts ``0 .. T - n_step``.
    """
    length = reward.shape[-1]
    if not 1 <= n_step <= length:
        raise ValueError(f"n_step={n_step} must lie in [1, T={length}].")
    total, scale, index = n_step_bootstrap(reward, discount, trace, n_step)
    return (total + scale * next_value[index])[: length - n_step + 1]


def value_rescale(x: ArrayLike, epsilon: float = 1e-3) -> Array:
    """``h(x) = sign(x) (sqrt(|x| + 1) - 1) + epsilon x`` (Pohlen et al. 2018, arXiv:1805.11593; R2D2)."""
    x = jnp.asarray(x)
    return jnp.sign(x) * (jnp.sqrt(jnp.abs(x) + 1.0) - 1.0) + epsilon * x


def inverse_value_rescale(x: ArrayLike, epsilon: float = 1e-3) -> Array:
    """The exact inverse of :func:`value_rescale`."""
    x = jnp.asarray(x)
    root = (jnp.sqrt(1.0 + 4.0 * epsilon * (jnp.abs(x) + 1.0 + epsilon)) - 1.0) / (2.0 * epsilon)
    return jnp.sign(x) * (jnp.square(root) - 1.0)


def target_updates(step_before: StepCount, num_steps: int, period: int) -> Array:
    """How many multiples of ``period`` env steps lie in ``(step_before, step_before + num_steps]``.

    Counting crossings rather than testing ``step % period == 0`` keeps the period right
    whatever the step increment (upstream's check fired only every
    ``lcm(period, train_frequency)`` steps); the remainder is exact at any step count.
    """
    return (step_before.remainder(period) + num_steps) // period


def update_target(online: Params, target: Params, tau: float, count: Array) -> Params:
    """``count`` Polyak updates ``target <- tau * online + (1 - tau) * target`` at once.

    Against the same ``online`` they compose to a single mix with weight
    ``1 - (1 - tau) ** count``; ``tau = 1`` copies, ``count = 0`` keeps ``target``.
    """
    weight = 1.0 - (1.0 - tau) ** jnp.asarray(count, jnp.float32)
    return jax.tree.map(lambda o, t: (weight * o + (1.0 - weight) * t).astype(t.dtype), online, target)
