"""Learned entropy temperature of SAC."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array


class Alpha(nn.Module):
    """A single learned ``log_alpha``; ``alpha = exp(log_alpha)`` stays positive.

    ``Alpha().apply(params)`` returns ``log_alpha`` (a scalar; inputs are ignored).
    ``Alpha.loss(log_alpha, log_prob, target_entropy)`` is the temperature loss of
    SAC, ``-log_alpha * (log_prob + target_entropy)`` with the bracket held constant
    (Haarnoja et al., 2018, arXiv:1812.05905, eq. 18), per sample.

    Example:
        >>> alpha = Alpha(initial_alpha=0.2)
        >>> log_alpha = alpha.apply(alpha.init(key))
    """

    initial_alpha: float = 1.0

    def __post_init__(self) -> None:
        if self.initial_alpha <= 0:
            raise ValueError(f"Alpha.initial_alpha must be > 0, got {self.initial_alpha}.")
        super().__post_init__()

    @nn.compact
    def __call__(self, *args: Any, **kwargs: Any) -> Array:
        initial = jnp.log(self.initial_alpha)
        return self.param("log_alpha", lambda _: jnp.asarray(initial, jnp.float32))

    @nn.nowrap
    def loss(self, log_alpha: Array, log_prob: Array, target_entropy: float) -> Array:
        return -log_alpha * jax.lax.stop_gradient(log_prob + target_entropy)
