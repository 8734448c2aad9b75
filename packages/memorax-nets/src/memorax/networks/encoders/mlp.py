"""Multi-layer perceptron encoder for vector observations."""

from collections.abc import Callable, Sequence

import flax.linen as nn

from memorax.core.typing import Array


class MLP(nn.Module):
    """Dense layers with an activation after each, applied on the last axis.

    Shapes: ``(*batch, F_in) -> (*batch, features[-1])``; works on ``(B, T, F)`` as is.

    Example:
        >>> encoder = MLP(features=(64, 64))
    """

    features: Sequence[int]
    activation: Callable[[Array], Array] = nn.relu
    activate_final: bool = True
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()

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
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        for i, features in enumerate(self.features):
            x = nn.Dense(features, kernel_init=self.kernel_init)(x)
            if self.activate_final or i < len(self.features) - 1:
                x = self.activation(x)
        return x
