"""Layer norm applied to each head separately (the group norm of xLSTM blocks)."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class MultiHeadLayerNorm(nn.Module):
    """``(..., num_heads, head_dim) -> (..., num_heads * head_dim)``, normalised per head.

    Reference: Beck et al., "xLSTM: Extended Long Short-Term Memory" (2024).
    """

    epsilon: float = 1e-5

    @nn.compact
    def __call__(self, x: Array) -> Array:
        mean = jnp.mean(x, axis=-1, keepdims=True)
        variance = jnp.var(x, axis=-1, keepdims=True)
        normed = ((x - mean) / jnp.sqrt(variance + self.epsilon)).reshape(*x.shape[:-2], -1)
        return normed * self.param("scale", nn.initializers.ones_init(), (normed.shape[-1],))
