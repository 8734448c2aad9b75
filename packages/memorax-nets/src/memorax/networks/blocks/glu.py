"""Gated linear unit feed-forward block."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry
from memorax.networks.blocks.block import StatelessBlock


class GLU(StatelessBlock):
    """``Dense(features)(activation(Dense(h)(x)) * Dense(h)(x))``, ``h = round(expansion * features)``.

    GEGLU with ``nn.gelu``, SwiGLU with ``nn.swish`` (Shazeer, 2020, "GLU Variants
    Improve Transformer", arXiv:2002.05202). Carry ``None``.

    Example:
        >>> block = Residual(PreNorm(GLU(features=64, activation=nn.swish)))
    """

    features: int
    expansion_factor: float = 4
    activation: Callable[[Array], Array] = nn.gelu

    def __post_init__(self) -> None:
        if self.features < 1 or self.expansion_factor <= 0:
            raise ValueError(
                f"GLU.features ({self.features}) and expansion_factor "
                f"({self.expansion_factor}) must be positive."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array | None = None, initial_carry: Carry = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        hidden = max(1, round(self.features * self.expansion_factor))
        gate = self.activation(nn.Dense(hidden, use_bias=False, name="gate")(inputs))
        up = nn.Dense(hidden, use_bias=False, name="up")(inputs)
        return None, nn.Dense(self.features, use_bias=False, name="down")(gate * up)
