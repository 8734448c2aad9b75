"""CountRecall: how many times has the shown card been shown before? (after POPGym, Morad et al., 2023)."""

import math

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, CardTask, answer_reward, one_hot_card


@pytree_dataclass
class CountRecallState:
    counts: Array  # (num_values,): times each card was shown before the current step
    value: Array
    time: Array


class CountRecall(CardTask):
    """A random card each step; the action must be the number of earlier steps that showed it.

    Observation ``(num_values,)`` one-hot. Action ``Discrete(length)`` (a count).
    ``length`` scored steps, reward ``+-1 / length``.

    Returns: perfect memory 1. A memoryless policy sees one card and no clock, so by
    symmetry its best is a constant answer ``c``; :meth:`memoryless_optimum` gives the
    best ``c`` and its expected return: Easy (K=2, L=8) answer 0, -0.5020;
    Medium (K=4, L=32) answer 0, -0.7500; Hard (K=8, L=64) answer 0, -0.7500.
    """

    def memoryless_optimum(self) -> tuple[int, float]:
        """The best constant answer and its expected return (the count at step ``t`` is Binomial(t, 1/K))."""
        p = 1.0 / self.num_values

        def expected_return(answer: int) -> float:
            hit = sum(math.comb(t, answer) * p**answer * (1 - p) ** (t - answer) for t in range(self.length))
            return (2.0 * hit - self.length) / self.length

        best = max(range(self.length), key=expected_return)
        return best, expected_return(best)

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_values,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.length)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, CountRecallState]:
        value = jax.random.randint(key, (), 0, self.num_values)
        state = CountRecallState(counts=jnp.zeros(self.num_values, jnp.int32), value=value, time=jnp.int32(0))
        return one_hot_card(value, self.num_values), state

    def step_env(self, key: PRNGKey, state: CountRecallState, action: Array, params: CardParams):
        reward = answer_reward(action, state.counts[state.value], self.length)
        value = jax.random.randint(key, (), 0, self.num_values)
        state = CountRecallState(counts=state.counts.at[state.value].add(1), value=value, time=state.time + 1)
        return one_hot_card(value, self.num_values), state, reward, state.time >= self.length, jnp.bool_(False), {}
