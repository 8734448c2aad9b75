"""Sequential composition of blocks."""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.layers.flat_dense import dense_on_rows
from memorax.networks.sequence_models.sequence_model import SequenceModel


class Stack(SequenceModel):
    """Applies ``blocks`` in order; the carry is a tuple with one entry per block.

    Every entry is its own layer with its own parameters, even where the same block
    object appears several times, so ``(attention, ffn) * num_layers`` builds
    ``num_layers`` distinct layers.

    Example:
        >>> torso = Stack(blocks=(Residual(PreNorm(attention)), Residual(PreNorm(ffn))) * 2)
    """

    blocks: Sequence[nn.Module]

    def __post_init__(self) -> None:
        if len(self.blocks) == 0:
            raise ValueError("Stack.blocks must contain at least one block.")
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        carries = initial_carry if initial_carry is not None else (None,) * len(self.blocks)
        new_carries = []
        x = inputs
        with dense_on_rows():  # 2-D matmuls in the weight gradients (see layers/flat_dense.py)
            for i, (block, carry) in enumerate(zip(self.blocks, carries, strict=True)):
                layer = block.clone(parent=self, name=f"layers_{i}", _deep_clone=True)
                carry, x = call_block(layer, x, done, carry, **kwargs)
                new_carries.append(carry)
        return tuple(new_carries), x

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        keys = jax.random.split(key, len(self.blocks))
        return tuple(block_carry(b, k, input_shape) for b, k in zip(self.blocks, keys))
