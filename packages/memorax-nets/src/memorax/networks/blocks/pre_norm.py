"""Normalisation before a block (pre-LN transformers)."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.sequence_models.sequence_model import SequenceModel


class PreNorm(SequenceModel):
    """``y = module(norm(x))`` (Xiong et al., 2020, arXiv:2002.04745); carry is the module's.

    ``norm`` builds the normalisation layer (``nn.LayerNorm``, ``nn.RMSNorm``, ...).

    Example:
        >>> block = Residual(PreNorm(FFN(features=64), norm=nn.RMSNorm))
    """

    module: nn.Module
    norm: Callable[[], nn.Module] = nn.LayerNorm

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        return call_block(self.module, self.norm()(inputs), done, initial_carry, **kwargs)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return block_carry(self.module, key, input_shape)
