"""Normalisation after a block (post-LN transformers)."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.sequence_models.sequence_model import SequenceModel


class PostNorm(SequenceModel):
    """``y = norm(module(x))``; ``PostNorm(Residual(f))`` is the original post-LN layer.

    The carry is the module's.

    Example:
        >>> block = PostNorm(Residual(FFN(features=64)))
    """

    module: nn.Module
    norm: Callable[[], nn.Module] = nn.LayerNorm

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        carry, y = call_block(self.module, inputs, done, initial_carry, **kwargs)
        return carry, self.norm()(y)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return block_carry(self.module, key, input_shape)
