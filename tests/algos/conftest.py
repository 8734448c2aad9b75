"""Probe environments and a tiny recurrent torso for the algorithm unit tests.

They depend only on memorax-core and memorax-nets (no memorax.environments), so the
algos tests run with only memorax-algos installed. Each probe env reports episode
statistics in ``info`` the way RecordEpisodeStatistics does.
"""

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest

from memorax.core.dataclass import pytree_dataclass
from memorax.networks import MLP, FeatureExtractor, Network, heads
from memorax.networks.sequence_models.sequence_model import SequenceModel


@dataclasses.dataclass(frozen=True)
class Discrete:
    n: int
    shape: tuple = ()
    dtype: Any = jnp.int32

    def sample(self, key):
        return jax.random.randint(key, (), 0, self.n)


@dataclasses.dataclass(frozen=True)
class Box:
    low: float
    high: float
    shape: tuple
    dtype: Any = jnp.float32

    def sample(self, key):
        return jax.random.uniform(key, self.shape, minval=self.low, maxval=self.high)


@pytree_dataclass
class BitState:
    bit: jax.Array
    time: jax.Array
    episode_return: jax.Array


class RememberBit:
    """Step 0 shows a bit (+-1); step 1 shows nothing and pays 1 for naming the bit.

    The episode terminates after step 1. Perfect memory returns 1, a memoryless policy
    0.5 on average. With ``truncate=True`` every step is instead cut by a time limit
    after paying 1 (so with discount gamma the value of every state is 1 / (1 - gamma)).
    """

    def __init__(self, truncate: bool = False) -> None:
        self.truncate = truncate

    @property
    def default_params(self):
        return None

    def observation_space(self, params):
        return Box(-1.0, 1.0, (2,))

    def action_space(self, params):
        return Discrete(2)

    def _observe(self, state):
        shown = jnp.where(state.time == 0, 2.0 * state.bit - 1.0, 0.0)
        return jnp.stack([shown, (state.time == 0).astype(jnp.float32)])

    def reset(self, key, params):
        state = BitState(jax.random.randint(key, (), 0, 2), jnp.int32(0), jnp.float32(0.0))
        return self._observe(state), state

    def step(self, key, state, action, params):
        if self.truncate:
            reward, terminated, truncated = jnp.float32(1.0), jnp.bool_(False), jnp.bool_(True)
        else:
            reward = jnp.where((state.time == 1) & (action == state.bit), 1.0, 0.0).astype(jnp.float32)
            terminated, truncated = state.time == 1, jnp.bool_(False)
        done = terminated | truncated
        episode_return = state.episode_return + reward
        # Truncation keeps the state as it is, so the final observation is one the
        # critic learns at, and its true value is 1 / (1 - gamma).
        after = BitState(state.bit, state.time + (0 if self.truncate else 1), episode_return)
        final_observation = self._observe(after)
        fresh_obs, fresh = self.reset(key, params)
        state = jax.tree.map(lambda a, b: jnp.where(done, a, b), fresh, after)
        observation = jnp.where(done, fresh_obs, final_observation)
        info = {
            "final_observation": final_observation,
            "episode/return": episode_return,
            "episode/length": state.time + 1,
            "episode/done": done,
        }
        return observation, state, reward, terminated, truncated, info


class MatchBits:
    """Two agents each see their own random bit and are paid 1 for naming it; one-step episodes.

    ``global_state`` gives every agent both observations, for a centralised critic.
    """

    num_agents = 2

    @property
    def default_params(self):
        return None

    def observation_space(self, params):
        return Box(-1.0, 1.0, (2,))

    def action_space(self, params):
        return Discrete(2)

    def _observe(self, bits):
        return jnp.stack([2.0 * bits - 1.0, jnp.ones(self.num_agents)], axis=-1)

    def reset(self, key, params):
        bits = jax.random.randint(key, (self.num_agents,), 0, 2)
        return self._observe(bits), bits

    def step(self, key, state, action, params):
        reward = (action == state).astype(jnp.float32)
        observation, fresh = self.reset(key, params)
        ones = jnp.ones(self.num_agents, bool)
        info = {
            "final_observation": self._observe(state),
            "episode/return": reward,
            "episode/length": jnp.int32(1),
            "episode/done": jnp.bool_(True),
        }
        return observation, fresh, reward, ones, ~ones, info

    def global_state(self, state, params):
        return jnp.tile(self._observe(state).reshape(1, -1), (self.num_agents, 1))


class SumMemory(SequenceModel):
    """A minimal recurrent torso: the carry is the running sum of the inputs, reset at ``done``."""

    features: int = 8

    @nn.compact
    def __call__(self, inputs, done, initial_carry=None, **kwargs):
        if initial_carry is None:
            initial_carry = self.initialize_carry(None, inputs[:, 0].shape)
        projected = nn.Dense(self.features)(inputs)

        def step(carry, xs):
            x, d = xs
            carry = jnp.where(d[:, None], 0.0, carry) + x
            return carry, carry

        carry, outputs = jax.lax.scan(step, initial_carry, (jnp.swapaxes(projected, 0, 1), jnp.swapaxes(done, 0, 1)))
        return carry, jnp.tanh(jnp.swapaxes(outputs, 0, 1))

    @nn.nowrap
    def initialize_carry(self, key, input_shape):
        return jnp.zeros((*input_shape[:-1], self.features), jnp.float32)


class SowAuxLoss(nn.Module):
    """A stateless torso that sows a constant auxiliary loss (like an MoE balance loss)."""

    value: float = 3.0

    @nn.compact
    def __call__(self, x):
        self.sow("aux_losses", "probe", jnp.float32(self.value))
        return nn.Dense(8)(x)


def make_network(head, recurrent: bool = False, torso=None):
    if torso is None and recurrent:
        torso = SumMemory()
    return Network(FeatureExtractor(observation_extractor=MLP(features=(16,))), torso=torso, head=head)


@pytest.fixture(scope="session")
def probes():
    return {"RememberBit": RememberBit, "MatchBits": MatchBits, "SumMemory": SumMemory, "SowAuxLoss": SowAuxLoss, "make_network": make_network, "heads": heads}
