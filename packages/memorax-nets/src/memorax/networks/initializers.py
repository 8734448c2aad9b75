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
