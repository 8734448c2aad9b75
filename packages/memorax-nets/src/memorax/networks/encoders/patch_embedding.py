"""Splits frames into patches and embeds each (the tokenizer of a ViT)."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class PatchEmbedding(nn.Module):
    """Non-overlapping ``patch_size`` x ``patch_size`` patches, linearly embedded.

    Shapes: ``(N, H, W, C) -> (N, (H // p) * (W // p), features)``; border pixels
    that do not fill a patch are dropped.

    Example:
        >>> PatchEmbedding(patch_size=8, features=64)
    """

    patch_size: int = 16
    features: int = 768

    def __post_init__(self) -> None:
        if self.patch_size < 1 or self.features < 1:
            raise ValueError(
                f"PatchEmbedding.patch_size ({self.patch_size}) and features "
                f"({self.features}) must be >= 1."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        if x.shape[-3] < self.patch_size or x.shape[-2] < self.patch_size:
            raise ValueError(
                f"PatchEmbedding.patch_size={self.patch_size} is larger than the frame "
                f"{x.shape[-3:-1]}; use a smaller patch."
            )
        patch = (self.patch_size, self.patch_size)
        x = nn.Conv(self.features, patch, strides=patch, padding="VALID")(jnp.asarray(x, jnp.float32))
        return x.reshape(x.shape[0], -1, self.features)
