"""RepeatPrevious: name the card shown ``delay`` steps ago (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.spaces import Box
from memorax.environments.tasks.card_task import CardParams, CardTask, answer_reward, check_sizes, one_hot_card


@pytree_dataclass
class RepeatPreviousState:
    history: Array  # (delay + 1,): history[d] is the card shown d steps ago
    time: Array


class RepeatPrevious(CardTask):
    """A random card each step; from step ``delay`` on, the action must name the card ``delay`` steps back.

    Observation ``(num_values,)`` one-hot. Action ``Discrete(num_values)``. ``length``
    steps; the first ``delay`` are not scored; reward ``+-1 / (length - delay)``.

    Returns: perfect memory 1. Memoryless optimum ``2/K - 1`` (the shown card says
    nothing about an earlier one): Easy (K=4, delay 2, L=16) -0.5, Medium (K=4, delay 4,
    L=32) -0.5, Hard (K=8, delay 8, L=64) -0.75.
    """

    def __init__(self, num_values: int, delay: int, length: int) -> None:
        super().__init__(num_values, length)
        check_sizes("RepeatPrevious", delay=delay)
        if delay >= length:
            raise ValueError(f"RepeatPrevious: delay ({delay}) must be smaller than length ({length}).")
        self.delay = delay

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_values,))

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, RepeatPreviousState]:
        history = jnp.zeros(self.delay + 1, jnp.int32).at[0].set(jax.random.randint(key, (), 0, self.num_values))
        return one_hot_card(history[0], self.num_values), RepeatPreviousState(history=history, time=jnp.int32(0))

    def step_env(self, key: PRNGKey, state: RepeatPreviousState, action: Array, params: CardParams):
        scored = state.time >= self.delay
        reward = jnp.where(scored, answer_reward(action, state.history[self.delay], self.length - self.delay), 0.0)
        card = jax.random.randint(key, (1,), 0, self.num_values)
        state = RepeatPreviousState(history=jnp.concatenate([card, state.history[:-1]]), time=state.time + 1)
        return (
            one_hot_card(state.history[0], self.num_values),
            state,
            reward,
            state.time >= self.length,
            jnp.bool_(False),
            {},
        )
