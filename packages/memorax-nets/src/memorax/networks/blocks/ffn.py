"""Position-wise feed-forward block of transformers."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry
from memorax.networks.blocks.block import StatelessBlock


class FFN(StatelessBlock):
    """``Dense(features) . activation . Dense(expansion_factor * features)`` per step.

    Shapes: ``(B, T, F_in) -> (B, T, features)``; carry ``None``.

    Example:
        >>> block = GatedResidual(PreNorm(FFN(features=64, expansion_factor=4)))
    """

    features: int
    expansion_factor: int = 4
    activation: Callable[[Array], Array] = nn.gelu

    def __post_init__(self) -> None:
        if self.features < 1 or self.expansion_factor < 1:
            raise ValueError(
                f"FFN.features ({self.features}) and expansion_factor "
                f"({self.expansion_factor}) must be >= 1."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array | None = None, initial_carry: Carry = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        hidden = self.activation(nn.Dense(self.features * self.expansion_factor)(inputs))
        return None, nn.Dense(self.features)(hidden)
