"""RepeatFirst: say the first card of the episode at every step (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.spaces import Box
from memorax.environments.tasks.card_task import CardParams, CardTask, answer_reward, one_hot_card


@pytree_dataclass
class RepeatFirstState:
    first: Array
    value: Array
    time: Array


class RepeatFirst(CardTask):
    """A random card is shown each step; the action must name the episode's first card.

    Observation ``(num_values + 1,)``: the current card one-hot and a flag that is 1 on
    the first step. Action: ``Discrete(num_values)``. ``length`` scored steps, then the
    episode terminates. Reward ``+-1 / length``.

    Returns: perfect memory 1. Memoryless optimum ``1/L + (L-1)/L * (2/K - 1)``
    (right on the first step, a guess afterwards): Easy (K=4, L=8) -0.3125,
    Medium (K=4, L=32) -0.4531, Hard (K=8, L=128) -0.7363.

    Example:
        >>> env, params = make("memorax::RepeatFirstEasy")
    """

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_values + 1,))

    def _observe(self, state: RepeatFirstState) -> Array:
        first_flag = (state.time == 0).astype(jnp.float32)[None]
        return jnp.concatenate([one_hot_card(state.value, self.num_values), first_flag])

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, RepeatFirstState]:
        value = jax.random.randint(key, (), 0, self.num_values)
        state = RepeatFirstState(first=value, value=value, time=jnp.int32(0))
        return self._observe(state), state

    def step_env(self, key: PRNGKey, state: RepeatFirstState, action: Array, params: CardParams):
        reward = answer_reward(action, state.first, self.length)
        state = state.replace(value=jax.random.randint(key, (), 0, self.num_values), time=state.time + 1)
        return self._observe(state), state, reward, state.time >= self.length, jnp.bool_(False), {}
