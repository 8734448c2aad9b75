"""Whole-window replay: values at the true next observations from one unroll."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.algorithms._network import apply_sequence
from memorax.algorithms._unroll import next_outputs, next_timesteps, unroll_with_next
from memorax.core.timestep import Timestep, Transition
from memorax.networks import RNN, LRUCell, LRUConfig, Memoroid

B, T = 3, 9


def make_window(key):
    """A consistent (B, T) window: an ended step's successor is a reset with zeroed previous
    action and reward, otherwise the next input is the stored next observation."""
    keys = jax.random.split(key, 5)
    obs = jax.random.normal(keys[0], (B, T + 1, 2))
    final = jax.random.normal(keys[1], (B, T, 2))
    action = jax.random.randint(keys[2], (B, T), 0, 2)
    reward = jax.random.normal(keys[3], (B, T))
    kind = jax.random.randint(keys[4], (B, T), 0, 4)  # 0: terminated, 1: truncated, else going on
    terminated, truncated = kind == 0, kind == 1
    # The last row ends no episode (no replay needed); the first truncates twice in a row.
    terminated, truncated = terminated.at[-1].set(False), truncated.at[-1].set(False)
    truncated = truncated.at[0, 2:4].set(True)
    terminated = terminated.at[0, 2:4].set(False)
    ended = terminated | truncated
    first_done = jnp.ones((B, 1), bool)
    done = jnp.concatenate([first_done, ended[:, :-1]], axis=1)
    keep = lambda x: jnp.where(ended[:, :-1], 0, x[:, :-1]).astype(x.dtype)
    timestep = Timestep(
        observation=obs[:, :T],
        action=jnp.concatenate([jnp.zeros((B, 1), action.dtype), keep(action)], axis=1),
        reward=jnp.concatenate([jnp.zeros((B, 1)), keep(reward)], axis=1),
        done=done,
    )
    next_observation = jnp.where(ended[..., None], final, obs[:, 1:])
    return Transition(timestep, action, reward, terminated, truncated, next_observation)


@pytest.mark.parametrize(
    "torso",
    [RNN(cell=nn.GRUCell(features=8)), Memoroid(cell=LRUCell(config=LRUConfig(features=8, hidden_dim=8)))],
    ids=["gru", "lru"],
)
def test_next_outputs__match_probing_every_step(probes, torso):
    """Shifted unroll + replays at truncations equal a probe of (o_{t+1}, a_t, r_t) after every
    step, wherever the value is used (not after terminations)."""
    network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2), torso=torso)
    window = make_window(jax.random.key(0))
    first = jax.tree.map(lambda x: x[:, :1], window.timestep)
    params = network.init(jax.random.key(1), first.observation, first.done, first.action, first.reward)
    carry = network.initialize_carry(jax.random.key(2), (B,))
    carry = jax.tree.map(lambda x: x + 0.3, carry)  # a stored, non-fresh carry
    read = lambda out, _: out
    _, expected, _ = unroll_with_next(network, params, window, carry, read, jax.random.key(3))
    final_carry, outputs = apply_sequence(network, params, window.timestep, carry)
    ends = window.truncated & ~window.terminated
    got = jax.jit(next_outputs, static_argnums=0)(
        network, params, window.timestep, carry, outputs, final_carry, next_timesteps(window), ends
    )
    used = ~np.asarray(window.terminated)
    np.testing.assert_allclose(np.asarray(got)[used], np.asarray(expected)[used], rtol=1e-5, atol=1e-5)
    # The replays are needed: the shifted unroll alone is wrong at truncations.
    shifted = np.concatenate([np.asarray(outputs)[:, 1:], np.asarray(got)[:, -1:]], axis=1)
    truncated = np.asarray(ends)[:, :-1]
    assert not np.allclose(shifted[:, :-1][truncated], np.asarray(expected)[:, :-1][truncated], atol=1e-3)
