"""Vision transformer encoder, applied frame by frame."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.blocks.ffn import FFN
from memorax.networks.encoders.patch_embedding import PatchEmbedding


class ViT(nn.Module):
    """Pre-norm transformer over the patches of each frame, mean-pooled.

    Shapes: ``(*batch, H, W, C) -> (*batch, features)``. Patches come from
    ``patch_embedding`` (whose ``features`` must equal ``features``; default 16 x 16
    patches) plus a learned
    position embedding; each of the ``num_layers`` layers is bidirectional multi-head
    attention and an MLP of width ``expansion_factor * features`` (Dosovitskiy et al.,
    2021, arXiv:2010.11929).

    Example:
        >>> ViT(features=64, num_layers=4, num_heads=4, expansion_factor=4,
        ...     patch_embedding=PatchEmbedding(patch_size=8, features=64))
    """

    features: int = 768
    num_layers: int = 12
    num_heads: int = 12
    expansion_factor: int = 4
    patch_embedding: PatchEmbedding | None = None

    def __post_init__(self) -> None:
        if self.features % self.num_heads or self.num_layers < 1:
            raise ValueError(
                f"ViT.features ({self.features}) must be a multiple of num_heads "
                f"({self.num_heads}) and num_layers ({self.num_layers}) >= 1."
            )
        if self.patch_embedding is not None and self.patch_embedding.features != self.features:
            raise ValueError(
                f"ViT.patch_embedding.features ({self.patch_embedding.features}) must equal "
                f"ViT.features ({self.features})."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        if x.ndim < 3:
            raise ValueError(f"ViT expects (*batch, H, W, C) frames, got shape {x.shape}.")
        batch = x.shape[:-3]
        embed = self.patch_embedding or PatchEmbedding(features=self.features, name="patch_embedding")
        tokens = embed(x.reshape(-1, *x.shape[-3:]))
        position = self.param(
            "position_embedding", nn.initializers.normal(0.02), tokens.shape[-2:]
        )
        tokens = tokens + position
        for _ in range(self.num_layers):
            tokens = tokens + nn.MultiHeadDotProductAttention(num_heads=self.num_heads)(
                nn.LayerNorm()(tokens)
            )
            _, y = FFN(self.features, self.expansion_factor)(nn.LayerNorm()(tokens))
            tokens = tokens + y
        pooled = jnp.mean(nn.LayerNorm()(tokens), axis=-2)
        return pooled.reshape(*batch, self.features)
