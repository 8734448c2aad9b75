"""Transformer-XL segment-level recurrence: a memory of the layer's previous inputs."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.attention.rolling_window import roll_in
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.sequence_models.sequence_model import SequenceModel


@pytree_dataclass
class SegmentCarry:
    """``memory`` ``(B, M, F)`` hidden states, oldest first; ``valid`` ``(B, M)``; ``inner``."""

    memory: Array
    valid: Array
    inner: Carry


class SegmentRecurrence(SequenceModel):
    """Gives ``module`` the hidden states (its inputs) of the previous ``memory_length`` steps.

    The memory holds the last ``M`` inputs of this layer with a stop-gradient, as in
    Transformer-XL (Dai et al., 2019, arXiv:1901.02860), and is passed to the module
    as ``memory=`` ``(B, M, F)`` and ``memory_valid=`` ``(B, M)`` (true for entries of
    the current episode). Keys and values of the past are thus recomputed with the
    current parameters. The memory is a rolling window of *steps*, not of segments,
    so acting step by step and training on any chunking see the same memory; a
    :class:`SelfAttention` then attends over ``min(context_length, M + 1)`` steps.
    ``features`` is the width ``F`` of the memory (the carry must not depend on the
    inputs). The carry is :class:`SegmentCarry` with the module's carry inside.

    Example:
        >>> layer = SegmentRecurrence(SelfAttention(config=SelfAttentionConfig(
        ...     features=64, num_heads=4, context_length=128)), memory_length=64, features=64)
    """

    module: nn.Module
    memory_length: int
    features: int

    def __post_init__(self) -> None:
        if self.memory_length < 1 or self.features < 1:
            raise ValueError(
                f"SegmentRecurrence.memory_length ({self.memory_length}) and features "
                f"({self.features}) must be >= 1."
            )
        if not isinstance(self.module, SequenceModel):
            raise ValueError(
                "SegmentRecurrence.module must be a sequence model that attends to "
                f"memory= (e.g. SelfAttention), got {type(self.module).__name__}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: SegmentCarry | None = None, **kwargs: Any
    ) -> tuple[SegmentCarry, Array]:
        if inputs.shape[-1] != self.features:
            raise ValueError(
                f"SegmentRecurrence.features is {self.features} but the inputs have "
                f"{inputs.shape[-1]} features; set features={inputs.shape[-1]}."
            )
        carry = initial_carry
        if carry is None:
            carry = self.initialize_carry(jax.random.key(0), inputs.shape[:1] + inputs.shape[2:])
        inner, y = call_block(
            self.module,
            inputs,
            done,
            carry.inner,
            memory=carry.memory,
            memory_valid=carry.valid,
            **kwargs,
        )
        memory, valid = roll_in(
            carry.memory, carry.valid, jax.lax.stop_gradient(inputs), done, self.memory_length
        )
        return SegmentCarry(memory, valid, inner), y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> SegmentCarry:
        batch = tuple(input_shape[:-1])
        return SegmentCarry(
            memory=jnp.zeros((*batch, self.memory_length, self.features)),
            valid=jnp.zeros((*batch, self.memory_length), bool),
            inner=block_carry(self.module, key, input_shape),
        )
