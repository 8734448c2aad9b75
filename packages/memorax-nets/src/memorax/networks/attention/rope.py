"""Rotary positional embedding (Su et al., 2021, "RoFormer", arXiv:2104.09864)."""

import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding


class RoPE(PositionalEmbedding):
    """Rotates each pair of query/key channels by an angle proportional to the position.

    The score of a query at position ``i`` and a key at ``j`` then depends on ``i - j``
    only. Keys are cached *un-rotated* together with their positions and rotated when
    attended, so a cached key is rotated exactly once per use. The head dimension must
    be even.

    Example:
        >>> SelfAttentionConfig(features=64, num_heads=4, context_length=32,
        ...                     positional_embedding=RoPE())
    """

    base: float = 10_000.0

    def rotate(self, x: Array, positions: Array) -> Array:
        half = x.shape[-1] // 2
        frequencies = self.base ** (-jnp.arange(half, dtype=jnp.float32) / half)
        angles = positions[..., None, None].astype(jnp.float32) * frequencies  # (B, S, 1, D/2)
        cos, sin = jnp.cos(angles).astype(x.dtype), jnp.sin(angles).astype(x.dtype)
        x1, x2 = x[..., :half], x[..., half:]
        return jnp.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
