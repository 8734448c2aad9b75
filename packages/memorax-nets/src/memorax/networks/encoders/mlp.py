"""Multi-layer perceptron encoder for vector (or flattened grid) observations."""

import math
from collections.abc import Callable, Sequence

import flax.linen as nn

from memorax.core.typing import Array


class MLP(nn.Module):
    """Dense layers with an activation after each, applied on the last axis.

    Shapes: ``(*batch, F_in) -> (*batch, features[-1])``; works on ``(B, T, F)`` as is.
    With ``input_ndim=k`` the last ``k`` axes of the input are one observation and are
    flattened first: ``(*batch, N, N) -> (*batch, features[-1])`` for ``k=2`` (e.g. gymnax
    DeepSea's grid).

    Example:
        >>> encoder = MLP(features=(64, 64))
        >>> grid_encoder = MLP(features=(64,), input_ndim=2)   # (B, T, N, N) -> (B, T, 64)
    """

    features: Sequence[int]
    activation: Callable[[Array], Array] = nn.relu
    activate_final: bool = True
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()
    input_ndim: int = 1

    def __post_init__(self) -> None:
        if (
            not isinstance(self.features, Sequence)
            or len(self.features) == 0
            or any(f < 1 for f in self.features)
        ):
            raise ValueError(
                f"MLP.features must be a non-empty sequence of positive layer sizes, "
                f"got {self.features!r}; e.g. MLP(features=(64, 64))."
            )
        if self.input_ndim < 1:
            raise ValueError(
                f"MLP.input_ndim must be >= 1 (the trailing axes of one observation), got {self.input_ndim}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        if x.ndim < self.input_ndim:
            raise ValueError(
                f"MLP(input_ndim={self.input_ndim}) needs inputs with at least {self.input_ndim} axes, got {x.shape}."
            )
        if self.input_ndim > 1:
            leading = x.shape[: x.ndim - self.input_ndim]
            x = x.reshape(*leading, math.prod(x.shape[len(leading) :]))
        for i, features in enumerate(self.features):
            x = nn.Dense(features, kernel_init=self.kernel_init)(x)
            if self.activate_final or i < len(self.features) - 1:
                x = self.activation(x)
        return x
