"""Timestep and Transition records follow ARCHITECTURE.md section 3."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Timestep, Transition, first_timestep, next_timestep, pytree_dataclass


def test_first_timestep__zero_previous_action_and_reward_and_done():
    obs = jnp.ones((3, 4))
    ts = first_timestep(obs, action=jnp.full((3,), 2, jnp.int32), reward=jnp.full((3,), 5.0))
    np.testing.assert_array_equal(ts.done, [True, True, True])
    np.testing.assert_array_equal(ts.action, [0, 0, 0])
    assert ts.action.dtype == jnp.int32
    np.testing.assert_array_equal(ts.reward, [0.0, 0.0, 0.0])


def test_next_timestep__zeroes_previous_action_and_reward_where_episode_ended():
    action = jnp.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    reward = jnp.array([1.0, 2.0, 3.0])
    terminated = jnp.array([True, False, False])
    truncated = jnp.array([False, False, True])
    ts = next_timestep(jnp.zeros((3, 1)), action, reward, terminated, truncated)
    np.testing.assert_array_equal(ts.done, [True, False, True])
    np.testing.assert_array_equal(ts.action, [[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_array_equal(ts.reward, [0.0, 2.0, 0.0])


def test_sequence_axis_round_trip():
    ts = Timestep(jnp.zeros((2, 5)), jnp.zeros((2,), jnp.int32), jnp.zeros((2,)), jnp.zeros((2,), bool))
    seq = ts.to_sequence()
    assert seq.observation.shape == (2, 1, 5) and seq.done.shape == (2, 1)
    back = seq.from_sequence()
    assert jax.tree.map(jnp.shape, back) == jax.tree.map(jnp.shape, ts)


def test_transition_is_a_pytree_and_knows_episode_end():
    ts = Timestep(jnp.zeros((2,)), jnp.zeros((2,)), jnp.zeros((2,)), jnp.zeros((2,), bool))
    tr = Transition(ts, jnp.zeros(2), jnp.ones(2), jnp.array([True, False]), jnp.array([False, False]))
    np.testing.assert_array_equal(tr.episode_end, [True, False])
    doubled = jax.jit(lambda t: jax.tree.map(lambda x: x * 2, t))(tr)
    np.testing.assert_array_equal(doubled.reward, [2.0, 2.0])
    assert tr.replace(reward=jnp.zeros(2)).reward.sum() == 0


def test_pytree_dataclass_is_frozen():
    @pytree_dataclass
    class Pair:
        a: jax.Array
        b: jax.Array

    pair = Pair(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.a = 3
    assert jax.tree.leaves(pair) == [1, 2]
