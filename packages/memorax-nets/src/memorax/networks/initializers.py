"""Parameter initializers used by memorax's sequence models.

Each factory returns a Flax initializer ``init(key, shape, dtype) -> Array``.
"""

import math

import jax
import jax.numpy as jnp
from flax.linen.initializers import Initializer

from memorax.core.typing import Array, PRNGKey


def ring_nu_log(r_min: float, r_max: float) -> Initializer:
    """``log(-log|lambda|)`` for eigenvalues uniform on the ring ``r_min <= |lambda| <= r_max``.

    Reference: Orvieto et al., "Resurrecting Recurrent Neural Networks for Long
    Sequences" (2023), Lemma 3.2.
    """

    def init(key: PRNGKey, shape: tuple[int, ...], dtype: jnp.dtype = jnp.float32) -> Array:
        u = jax.random.uniform(key, shape, dtype)
        nu = -0.5 * jnp.log(u * (r_max**2 - r_min**2) + r_min**2 + 1e-12)
        return jnp.log(jnp.maximum(nu, 1e-12))

    return init


def ring_theta_log(max_phase: float) -> Initializer:
    """``log(phase)`` for eigenvalue phases uniform in ``[0, max_phase]``."""

    def init(key: PRNGKey, shape: tuple[int, ...], dtype: jnp.dtype = jnp.float32) -> Array:
        return jnp.log(jnp.maximum(max_phase * jax.random.uniform(key, shape, dtype), 1e-12))

    return init


def log_uniform(low: float, high: float) -> Initializer:
    """``log(x)`` for ``x`` log-uniform in ``[low, high]`` (SSM step sizes, decay rates)."""

    def init(key: PRNGKey, shape: tuple[int, ...], dtype: jnp.dtype = jnp.float32) -> Array:
        return jax.random.uniform(key, shape, dtype, math.log(low), math.log(high))

    return init


def scaled_normal(fan_in: int) -> Initializer:
    """Normal with standard deviation ``1 / sqrt(fan_in)`` for complex-valued halves."""
    return jax.nn.initializers.normal(1.0 / math.sqrt(2 * fan_in))


def sparse_uniform(sparsity: float = 0.9) -> Initializer:
    """LeCun-uniform weights with a fraction ``sparsity`` of each unit's inputs set to zero.

    Every output unit (last axis) keeps ``max(fan_in - ceil(sparsity * fan_in), 1)`` random
    inputs (at least one, so small inputs such as CartPole's four are never cut off),
    drawn from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``. Reference: Elsayed,
    Vasan and Mahmood 2024, "Streaming Deep Reinforcement Learning Finally Works"
    (arXiv:2410.14606), SparseInit.
    """
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparse_uniform: sparsity must lie in [0, 1), got {sparsity}.")

    def init(key: PRNGKey, shape: tuple[int, ...], dtype: jnp.dtype = jnp.float32) -> Array:
        fan_in = math.prod(shape[:-1])
        weight_key, mask_key = jax.random.split(key)
        bound = 1.0 / math.sqrt(fan_in)
        weights = jax.random.uniform(weight_key, (fan_in, shape[-1]), dtype, -bound, bound)
        ranks = jnp.argsort(jnp.argsort(jax.random.uniform(mask_key, weights.shape), axis=0), axis=0)
        weights = jnp.where(ranks < min(math.ceil(sparsity * fan_in), fan_in - 1), jnp.zeros_like(weights), weights)
        return jnp.reshape(weights, shape)

    return init
