"""Advantages and lambda-returns, written unbatched (rlax style): callers ``jax.vmap``.

Index convention, for one row of ``T`` steps: ``reward[t]`` follows ``action[t]``
taken at observation ``o_t``; ``value[t] = V(o_t)``; ``next_value[t] = V(o_{t+1})``
where ``o_{t+1}`` is the *true* next observation (the final observation of an episode
that ended after step ``t``, never the auto-reset one).

Episode ends are encoded in two per-step factors, so that termination and truncation
are kept apart:

* ``discount[t] = gamma * (1 - terminated[t])``: no bootstrap through a termination;
* ``lambda_[t] = lambda * (1 - truncated[t])``: a truncated episode bootstraps from
  ``next_value[t]`` (the value of its final observation) and the trace stops there,
  so nothing leaks from the next episode.

The last step of a row always bootstraps from ``next_value[T - 1]``.
"""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, ArrayLike


def _check(reward: Array, *others: Array) -> None:
    if reward.ndim != 1:
        raise ValueError(f"expected unbatched (T,) rewards, got shape {reward.shape}; jax.vmap over rows.")
    for other in others:
        if other.shape != reward.shape:
            raise ValueError(f"every input must have the rewards' shape {reward.shape}, got {other.shape}.")


def generalized_advantage_estimation(
    reward: Array, discount: Array, lambda_: ArrayLike, value: Array, next_value: Array
) -> Array:
    """GAE(lambda) advantages of one row (Schulman et al. 2016, arXiv:1506.02438).

    ``A_t = delta_t + discount_t * lambda_t * A_{t+1}`` with
    ``delta_t = r_t + discount_t * next_value_t - value_t`` and ``A_T = 0``.

    Args:
        reward, discount, value, next_value: ``(T,)``, see the module docstring.
        lambda_: scalar or ``(T,)`` trace factor (zero where truncated).

    Returns:
        advantages ``(T,)``; the value targets are ``advantages + value``.
    """
    lambda_ = jnp.broadcast_to(jnp.asarray(lambda_, reward.dtype), reward.shape)
    _check(reward, discount, value, next_value, lambda_)
    delta = reward + discount * next_value - value

    def backward(advantage: Array, inputs: tuple[Array, Array, Array]) -> tuple[Array, Array]:
        delta_t, discount_t, lambda_t = inputs
        advantage = delta_t + discount_t * lambda_t * advantage
        return advantage, advantage

    _, advantages = jax.lax.scan(
        backward, jnp.zeros((), reward.dtype), (delta, discount, lambda_), reverse=True
    )
    return advantages


def lambda_returns(reward: Array, discount: Array, lambda_: ArrayLike, next_value: Array) -> Array:
    """Lambda-returns of one row (Sutton and Barto 2018, section 12.1; PQN's Q(lambda) target).

    ``G_t = r_t + discount_t * ((1 - lambda_t) * next_value_t + lambda_t * G_{t+1})``,
    with ``G_T = next_value_{T-1}`` so the last step bootstraps fully.

    Args:
        reward, discount, next_value: ``(T,)``, see the module docstring.
        lambda_: scalar or ``(T,)`` trace factor (zero where truncated).

    Returns:
        returns ``(T,)``.
    """
    lambda_ = jnp.broadcast_to(jnp.asarray(lambda_, reward.dtype), reward.shape)
    _check(reward, discount, next_value, lambda_)

    def backward(g: Array, inputs: tuple[Array, Array, Array, Array]) -> tuple[Array, Array]:
        reward_t, discount_t, lambda_t, next_value_t = inputs
        g = reward_t + discount_t * ((1.0 - lambda_t) * next_value_t + lambda_t * g)
        return g, g

    _, returns = jax.lax.scan(
        backward, next_value[-1], (reward, discount, lambda_, next_value), reverse=True
    )
    return returns


def next_values(value: Array, last_value: ArrayLike, truncated: Array, truncation_value: Array) -> Array:
    """``V(o_{t+1})`` of one row from the values the rollout computed anyway.

    ``next_value[t] = value[t + 1]`` (``last_value`` for the last step), except where
    step ``t`` was truncated: there the episode's true final observation was never fed
    to the network as ``o_{t+1}``, and ``truncation_value[t]`` (its value) is used.
    Where step ``t`` terminated the result is unused (``discount[t] = 0``).

    Args:
        value: ``(T,)`` ``V(o_t)``; last_value: scalar ``V(o_T)`` (the next rollout's first
            observation, evaluated from the carry after ``o_{T-1}``).
        truncated: ``(T,)`` bool; truncation_value: ``(T,)``, read only where truncated.

    Returns:
        ``(T,)`` next values.
    """
    _check(value, truncated, truncation_value)
    following = jnp.concatenate([value[1:], jnp.reshape(jnp.asarray(last_value, value.dtype), (1,))])
    return jnp.where(truncated, truncation_value, following)


def episode_factors(
    terminated: Array, truncated: Array, gamma: float, lambda_: float
) -> tuple[Array, Array]:
    """``(discount, lambda_)`` per step from episode-end flags (any shape), as above."""
    discount = gamma * (1.0 - terminated.astype(jnp.float32))
    trace = lambda_ * (1.0 - truncated.astype(jnp.float32))
    return discount, trace
