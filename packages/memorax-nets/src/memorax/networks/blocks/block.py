"""Calling a wrapped module as a block, whether it is a sequence model or not.

Blocks wrap either a :class:`SequenceModel` (called with ``done`` and its carry) or any
other Flax module (applied to every step alike, with carry ``None``), so that
``Residual(nn.Dense(64))`` and ``Residual(SelfAttention(...))`` both work.
"""

from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.sequence_model import SequenceModel


def call_block(
    module: nn.Module, inputs: Array, done: Array, carry: Carry | None, **kwargs: Any
) -> tuple[Carry, Array]:
    """``carry, y`` of ``module`` on ``inputs`` ``(B, T, F)``; stateless modules keep ``None``."""
    if isinstance(module, SequenceModel):
        return module(inputs, done, carry, **kwargs)
    return None, module(inputs)


def block_carry(module: nn.Module, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
    """The fresh carry of ``module`` (``None`` for a stateless module)."""
    if isinstance(module, SequenceModel):
        return module.initialize_carry(key, input_shape)
    return None


class StatelessBlock(SequenceModel):
    """Base of blocks applied to every step alike: their carry is ``None``."""

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return None
