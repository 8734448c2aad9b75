"""Exploration rules shared by the value-based algorithms (PQN, DQN, R2D2)."""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PRNGKey


def epsilon_greedy(key: PRNGKey, q_values: Array, epsilon: Array, dtype: Any) -> Array:
    """Greedy actions of ``(B, A)`` Q-values, uniformly random with probability ``epsilon``."""
    explore_key, random_key = jax.random.split(key)
    greedy = jnp.argmax(q_values, axis=-1)
    random = jax.random.randint(random_key, greedy.shape, 0, q_values.shape[-1])
    explore = jax.random.uniform(explore_key, greedy.shape) < epsilon
    return jnp.where(explore, random, greedy).astype(dtype)
