"""gymnax:: adapter: the memorax step contract on classic control, bsuite and MinAtar tasks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Environment
from memorax.environments import GymnaxEnvironment, make


@pytest.fixture(scope="module")
def cartpole():
    return make("gymnax::CartPole-v1")


def test_gymnax__satisfies_protocol_and_spaces_match_arrays(cartpole, rollout, random_policy):
    env, params = cartpole
    assert isinstance(env, GymnaxEnvironment) and isinstance(env, Environment)
    space = env.observation_space(params)
    records, _ = rollout(env, params, random_policy(env.action_space(params)), 4, 2 * 30)
    assert records["observation"].shape == (60, 4, *space.shape)
    assert records["observation"].dtype == space.dtype
    assert records["action"].shape == (60, 4) and env.action_space(params).n == 2
    assert records["reward"].dtype == np.float32
    assert records["terminated"].dtype == bool and records["truncated"].dtype == bool


def test_gymnax__auto_resets_with_final_observation(cartpole, rollout, random_policy):
    env, params = cartpole
    records, _ = rollout(env, params, random_policy(env.action_space(params)), 4, 100)
    done = records["terminated"] | records["truncated"]
    assert done.sum() >= 4  # random CartPole episodes last ~20 steps
    # where an episode ended, the next observation is a fresh start (|x| <= 0.05), the final one is not
    t, e = np.nonzero(done[:-1])
    assert np.all(np.abs(records["observation"][t + 1, e]) <= 0.05)
    assert np.all(records["first"][t + 1, e])
    # elsewhere final_observation is the next observation itself
    t_mid, e_mid = np.nonzero(~done[:-1])
    np.testing.assert_array_equal(records["final_observation"][t_mid, e_mid], records["observation"][t_mid + 1, e_mid])
    assert np.all(np.abs(records["final_observation"][t, e]).max(axis=-1) > 0.05)


def test_gymnax__truncation_is_not_termination():
    env, params = make("gymnax::MountainCar-v0")
    params = params.replace(max_steps_in_episode=5)
    obs, state = env.reset(jax.random.key(0), params)
    step = jax.jit(env.step)
    flags = []
    for t in range(5):
        obs, state, reward, terminated, truncated, info = step(jax.random.key(t), state, jnp.int32(1), params)
        flags.append((bool(terminated), bool(truncated)))
    assert flags == [(False, False)] * 4 + [(False, True)]
    assert info["final_observation"].shape == obs.shape and not np.allclose(info["final_observation"], obs)


def test_gymnax__outputs_are_strongly_typed_so_scans_do_not_recompile(cartpole):
    env, params = cartpole
    obs, state = env.reset(jax.random.key(0), params)
    step = jax.jit(env.step)
    out = step(jax.random.key(1), state, jnp.int32(0), params)
    step(jax.random.key(2), out[1], jnp.int32(0), params)
    assert step._cache_size() == 1
    assert not any(leaf.weak_type for leaf in jax.tree.leaves((obs, state, out)))


@pytest.mark.parametrize("name", ["MemoryChain-bsuite", "Breakout-MinAtar"])
def test_gymnax__bsuite_and_minatar_step_under_jit_vmap(name, rollout, random_policy):
    env, params = make(f"gymnax::{name}")
    records, _ = rollout(env, params, random_policy(env.action_space(params)), 4, 20)
    assert records["observation"].shape[2:] == env.observation_space(params).shape


def test_gymnax__wrong_action_shape_is_a_clear_error(cartpole):
    env, params = cartpole
    obs, state = env.reset(jax.random.key(0), params)
    with pytest.raises(ValueError, match=r"action has shape \(4,\), expected \(\).*vmap"):
        env.step(jax.random.key(1), state, jnp.zeros(4, jnp.int32), params)
    with pytest.raises(ValueError, match="integer actions"):
        env.step(jax.random.key(1), state, jnp.float32(1.0), params)
