"""Autoencode: watch a sequence of cards, then play it back in reverse (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.spaces import Box
from memorax.environments.tasks.card_task import CardParams, CardTask, answer_reward, one_hot_card


@pytree_dataclass
class AutoencodeState:
    cards: Array  # (length,)
    time: Array


class Autoencode(CardTask):
    """``length`` cards are shown (actions ignored), then ``length`` blank steps ask for them last-first.

    Observation ``(num_values + 1,)``: the card one-hot while watching (zeros while
    recalling) and a recall flag. Action ``Discrete(num_values)``. ``2 * length`` steps;
    the recall steps score ``+-1 / length``.

    Returns: perfect memory 1. Memoryless optimum ``2/K - 1`` (every recall step looks
    the same): Easy (K=4, L=4) -0.5, Medium (K=4, L=8) -0.5, Hard (K=8, L=16) -0.75.
    """

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_values + 1,))

    def _observe(self, state: AutoencodeState) -> Array:
        watching = state.time < self.length
        card = one_hot_card(state.cards[jnp.minimum(state.time, self.length - 1)], self.num_values)
        return jnp.concatenate([jnp.where(watching, card, 0.0), (~watching).astype(jnp.float32)[None]])

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, AutoencodeState]:
        state = AutoencodeState(cards=jax.random.randint(key, (self.length,), 0, self.num_values), time=jnp.int32(0))
        return self._observe(state), state

    def step_env(self, key: PRNGKey, state: AutoencodeState, action: Array, params: CardParams):
        recall_index = jnp.clip(2 * self.length - 1 - state.time, 0, self.length - 1)
        scored = state.time >= self.length
        reward = jnp.where(scored, answer_reward(action, state.cards[recall_index], self.length), 0.0)
        state = state.replace(time=state.time + 1)
        return self._observe(state), state, reward, state.time >= 2 * self.length, jnp.bool_(False), {}
