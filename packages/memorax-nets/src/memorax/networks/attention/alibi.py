"""Attention with linear biases (Press et al., 2022, "Train Short, Test Long", arXiv:2108.12409)."""

import math

import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding


def alibi_slopes(num_heads: int) -> Array:
    """The per-head slopes of the paper: ``2^(-8 h / n)``, interleaved for non powers of 2."""

    def geometric(n: int) -> list[float]:
        return [2.0 ** (-8.0 * (h + 1) / n) for h in range(n)]

    closest = 2 ** int(math.floor(math.log2(num_heads)))
    slopes = geometric(closest) + geometric(2 * closest)[0::2][: num_heads - closest]
    return jnp.asarray(slopes, jnp.float32)


class ALiBi(PositionalEmbedding):
    """Adds ``-slope_h * (i - j)`` to the logit of a query at ``i`` and a key at ``j``.

    ``num_heads`` must equal the attention's ``num_heads`` (checked by
    :class:`SelfAttentionConfig`).

    Example:
        >>> SelfAttentionConfig(features=64, num_heads=4, context_length=32,
        ...                     positional_embedding=ALiBi(num_heads=4))
    """

    num_heads: int

    def __post_init__(self) -> None:
        if self.num_heads < 1:
            raise ValueError(f"ALiBi.num_heads must be >= 1, got {self.num_heads}.")
        super().__post_init__()

    def bias(self, query_positions: Array, key_positions: Array) -> Array:
        distance = query_positions[:, None, :, None] - key_positions[:, None, None, :]
        return -alibi_slopes(self.num_heads)[None, :, None, None] * distance.astype(jnp.float32)
