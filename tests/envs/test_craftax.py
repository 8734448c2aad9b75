"""craftax:: adapter. One compiled reset and one compiled step (Craftax-Classic, symbolic) serve every test;
the other three variants are checked by tracing alone (jax.eval_shape), which compiles nothing."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make

NUM_ENVS = 4
LIMIT = 5


@pytest.fixture(scope="module")
def classic(compile_quickly):
    env, params = make("craftax::Craftax-Classic-Symbolic-v1")
    params = params.replace(max_timesteps=LIMIT)
    keys = jax.random.split(jax.random.key(0), NUM_ENVS)
    reset = jax.vmap(env.reset, in_axes=(0, None))
    step = jax.vmap(env.step, in_axes=(0, 0, 0, None))
    obs, state = compile_quickly(reset, keys, params)(keys, params)
    actions = jnp.zeros(NUM_ENVS, jnp.int32)
    # compiled once for the reset state's types: a weak-typed leaf in reset (upstream Classic's
    # player_direction) would make the step's output state unusable as its next input
    step = compile_quickly(step, keys, state, actions, params)
    return env, params, obs, state, step


def test_craftax__classic_rollout_auto_resets_and_truncates_at_the_limit(classic):
    env, params, obs, state, step = classic
    space = env.observation_space(params)
    assert obs.shape == (NUM_ENVS, *space.shape) and obs.dtype == space.dtype
    flags = []
    for t in range(2 * LIMIT):
        key = jax.random.split(jax.random.key(t), NUM_ENVS)
        actions = jax.vmap(env.action_space(params).sample)(key)
        next_obs, state, reward, terminated, truncated, info = step(key, state, actions, params)
        assert reward.dtype == jnp.float32 and next_obs.shape == obs.shape
        flags.append((np.asarray(terminated), np.asarray(truncated)))
        done = np.asarray(terminated | truncated)
        np.testing.assert_array_equal(np.asarray(info["final_observation"])[~done], np.asarray(next_obs)[~done])
    terminated = np.stack([f[0] for f in flags])
    truncated = np.stack([f[1] for f in flags])
    assert not terminated.any()
    assert truncated[LIMIT - 1].all() and truncated[2 * LIMIT - 1].all() and truncated.sum() == 2 * NUM_ENVS


def test_craftax__death_is_termination_not_truncation(classic):
    env, params, obs, state, step = classic
    dying = state.replace(player_health=jnp.zeros_like(state.player_health))
    keys = jax.random.split(jax.random.key(1), NUM_ENVS)
    _, _, _, terminated, truncated, info = step(keys, dying, jnp.zeros(NUM_ENVS, jnp.int32), params)
    assert np.asarray(terminated).all() and not np.asarray(truncated).any()
    assert "discount" in info


def test_craftax__full_game_steps_with_the_contract_shapes():
    env, params = make("craftax::Craftax-Symbolic-v1")
    obs, state = jax.eval_shape(env.reset, jax.random.key(0), params)
    assert obs.shape == env.observation_space(params).shape == (8268,) and env.action_space(params).n == 43
    out = jax.eval_shape(env.step, jax.random.key(1), state, jnp.int32(0), params)
    assert out[0].shape == obs.shape and out[3].dtype == jnp.bool_ and out[4].dtype == jnp.bool_


def test_craftax__pixel_observations_match_the_space():
    # Craftax-Pixels-v1 is built the same way; its texture loading alone takes about a minute on 2 cores
    env, params = make("craftax::Craftax-Classic-Pixels-v1")
    obs, _ = jax.eval_shape(env.reset, jax.random.key(0), params)
    assert obs.shape == env.observation_space(params).shape == (63, 63, 3) and obs.dtype == jnp.float32


def test_craftax__takes_no_constructor_arguments():
    with pytest.raises(TypeError, match="params.replace"):
        make("craftax::Craftax-Classic-Symbolic-v1", max_timesteps=3)
