"""Residual connection around a block."""

from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.sequence_models.sequence_model import SequenceModel


class Residual(SequenceModel):
    """``y = x + module(x)`` (He et al., 2016); the carry is the module's.

    Example:
        >>> block = Residual(PreNorm(FFN(features=64)))
    """

    module: nn.Module

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        carry, y = call_block(self.module, inputs, done, initial_carry, **kwargs)
        return carry, inputs + y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return block_carry(self.module, key, input_shape)
