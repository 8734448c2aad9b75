"""Convolutional encoder for pixel observations, applied frame by frame."""

from collections.abc import Callable, Sequence

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class CNN(nn.Module):
    """Conv layers, then flatten and an optional dense layer, for each frame.

    Shapes: ``(*batch, H, W, C) -> (*batch, output_features)`` (or the flattened conv
    features when ``output_features`` is ``None``), e.g. ``(B, T, 10, 10, 4)`` MinAtar
    or ``(B, T, 130, 110, 3)`` Craftax pixels. Inputs are cast to float32 (scale
    uint8 pixels before, if wanted). ``kernel_sizes`` and ``strides`` give one entry
    per conv layer.

    Example:
        >>> encoder = CNN(features=(32, 64, 64), kernel_sizes=((8, 8), (4, 4), (3, 3)),
        ...               strides=((4, 4), (2, 2), (1, 1)), output_features=512)
    """

    features: Sequence[int] = (16, 32, 32)
    kernel_sizes: Sequence[tuple[int, int]] = ((3, 3), (3, 3), (3, 3))
    strides: Sequence[tuple[int, int]] = ((1, 1), (1, 1), (1, 1))
    padding: str = "SAME"
    output_features: int | None = 256
    activation: Callable[[Array], Array] = nn.relu

    def __post_init__(self) -> None:
        if not (len(self.features) == len(self.kernel_sizes) == len(self.strides) > 0):
            raise ValueError(
                "CNN.features, kernel_sizes and strides need one entry per conv layer; got "
                f"{len(self.features)}, {len(self.kernel_sizes)} and {len(self.strides)}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        if x.ndim < 3:
            raise ValueError(f"CNN expects (*batch, H, W, C) frames, got shape {x.shape}.")
        batch = x.shape[:-3]
        x = jnp.asarray(x, jnp.float32).reshape(-1, *x.shape[-3:])
        for features, kernel, stride in zip(self.features, self.kernel_sizes, self.strides):
            x = self.activation(nn.Conv(features, kernel, stride, padding=self.padding)(x))
        x = x.reshape(*batch, -1)
        if self.output_features is not None:
            x = self.activation(nn.Dense(self.output_features)(x))
        return x
