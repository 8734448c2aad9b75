"""A dense layer as a block (e.g. to change the width between stages)."""

from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry
from memorax.networks.blocks.block import StatelessBlock


class Projection(StatelessBlock):
    """``Dense(features)`` applied to every step; carry ``None``.

    Example:
        >>> torso = Stack(blocks=(Projection(features=64), Residual(PreNorm(attention))))
    """

    features: int
    use_bias: bool = True

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array | None = None, initial_carry: Carry = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        return None, nn.Dense(self.features, use_bias=self.use_bias)(inputs)
