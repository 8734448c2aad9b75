"""The torso interface every memorax sequence model implements.

Shapes: ``inputs`` ``(B, T, F)``, ``done`` ``(B, T)`` where ``done[b, t]`` means step
``t`` of row ``b`` starts a new episode (state is reset *before* it is processed).
``initialize_carry(key, (B, F))`` gives the carry of a fresh episode. All state lives
in the carry, so any chunking of a sequence gives the same outputs and final carry.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey


class SequenceModel(nn.Module):
    """Base class of torsos: ``carry, outputs = model(inputs, done, initial_carry)``."""

    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        raise NotImplementedError

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        raise NotImplementedError


class SequenceModelWrapper(SequenceModel):
    """Lifts a stateless module (applied to every step alike) into the torso interface.

    Its carry is ``None``: algorithms treat such torsos as non-recurrent.

    Example:
        >>> torso = SequenceModelWrapper(nn.Sequential((nn.Dense(64), nn.relu)))
    """

    module: nn.Module

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        return initial_carry, self.module(inputs)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return None


def reset_carry(done: Array, carry: Carry, initial_carry: Carry) -> Carry:
    """Selects ``initial_carry`` for the rows where ``done`` (shape ``(B,)``) is true.

    Every leaf of ``carry`` has the batch as its leading axis.
    """

    def select(fresh: Array, current: Array) -> Array:
        mask = jnp.reshape(done, done.shape + (1,) * (current.ndim - done.ndim))
        return jnp.where(mask, fresh, current)

    return jax.tree.map(select, initial_carry, carry)


def check_sequence_inputs(owner: str, inputs: Array, done: Array) -> None:
    """Raises ``ValueError`` unless ``inputs`` is ``(B, T, F)`` and ``done`` is ``(B, T)``."""
    if inputs.ndim != 3 or done.shape != inputs.shape[:2]:
        raise ValueError(
            f"{owner} expects inputs (B, T, F) and done (B, T), got {inputs.shape} and "
            f"{done.shape}; add a time axis of length 1 for single steps."
        )
