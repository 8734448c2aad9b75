"""RL^2 wrapper: the memory persists across episodes and resets once per trial.

Reference: Duan et al., "RL^2: Fast Reinforcement Learning via Slow Reinforcement
Learning" (2016).
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.sequence_model import SequenceModel


class RL2Wrapper(SequenceModel):
    """Runs ``sequence_model`` with resets every ``steps_per_trial`` steps, ignoring ``done``.

    The carry is ``(inner_carry, step)`` with ``step`` ``(*batch,)`` int32, the position
    within the current trial; the inner model is reset before every step whose position
    is 0 (so a fresh carry starts a trial). Episode boundaries inside a trial keep the
    memory, which is what lets the agent adapt across episodes.

    Example:
        >>> torso = RL2Wrapper(RNN(cell=nn.GRUCell(features=64)), steps_per_trial=200)
    """

    sequence_model: SequenceModel
    steps_per_trial: int

    def __post_init__(self) -> None:
        if self.steps_per_trial <= 0:
            raise ValueError(
                f"RL2Wrapper.steps_per_trial must be positive, got {self.steps_per_trial}; "
                "pass the number of env steps per trial (episodes per trial x episode length)."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        """inputs ``(B, T, F)``; ``done`` is ignored (trial boundaries replace it)."""
        if initial_carry is None:
            initial_carry = self.initialize_carry(jax.random.key(0), (inputs.shape[0], inputs.shape[2]))
        carry, step = initial_carry
        position = (step[:, None] + jnp.arange(inputs.shape[1], dtype=jnp.int32)) % self.steps_per_trial
        carry, y = self.sequence_model(inputs, position == 0, carry, **kwargs)
        return (carry, (step + inputs.shape[1]) % self.steps_per_trial), y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        """``(inner_carry, step)`` for ``input_shape`` ``(*batch, F)``."""
        return (
            self.sequence_model.initialize_carry(key, input_shape),
            jnp.zeros(tuple(input_shape[:-1]), jnp.int32),
        )
