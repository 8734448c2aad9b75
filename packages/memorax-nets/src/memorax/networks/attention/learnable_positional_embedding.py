"""Learned absolute embedding of the episode-relative position (GPT-2 style)."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding


class LearnablePositionalEmbedding(PositionalEmbedding):
    """Adds a learned vector for the step's position in its episode to the inputs.

    The position counter is kept in the attention carry and restarts at 0 where
    ``done`` is true. Positions at or beyond ``num_embeddings`` share the last vector
    (episodes longer than the table keep working instead of failing).

    Example:
        >>> SelfAttentionConfig(features=64, num_heads=4, context_length=32,
        ...     positional_embedding=LearnablePositionalEmbedding(num_embeddings=512, features=64))
    """

    num_embeddings: int
    features: int

    def __post_init__(self) -> None:
        if self.num_embeddings < 1 or self.features < 1:
            raise ValueError(
                "LearnablePositionalEmbedding.num_embeddings and .features must be >= 1, "
                f"got {self.num_embeddings} and {self.features}."
            )
        super().__post_init__()

    @nn.compact
    def embed(self, inputs: Array, positions: Array) -> Array:
        table = nn.Embed(self.num_embeddings, self.features, name="table")
        return inputs + table(jnp.clip(positions, 0, self.num_embeddings - 1))
