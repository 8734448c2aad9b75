"""The hooks through which a positional embedding enters :class:`SelfAttention`.

Positions are *episode-relative*: the first step of an episode (``done`` true) has
position 0 and the counter lives in the attention carry, so acting step by step and
training on chunks give every step the same position. Attention never crosses an
episode boundary, so RoPE and ALiBi only ever see in-episode distances ``i - j >= 0``.
"""

import flax.linen as nn

from memorax.core.typing import Array


class PositionalEmbedding(nn.Module):
    """No positional information; the base class of the positional embeddings.

    Subclasses override any of the three hooks:
    ``embed(inputs (B, S, F), positions (B, S)) -> (B, S, F)`` before the projections,
    ``rotate(x (B, S, H, D), positions (B, S)) -> (B, S, H, D)`` on queries and keys,
    ``bias(query_positions (B, T), key_positions (B, S)) -> (B, H, T, S) | None``
    added to the attention logits.
    """

    def embed(self, inputs: Array, positions: Array) -> Array:
        return inputs

    def rotate(self, x: Array, positions: Array) -> Array:
        return x

    def bias(self, query_positions: Array, key_positions: Array) -> Array | None:
        return None
