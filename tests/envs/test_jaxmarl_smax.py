"""jaxmarl:: SMAX through the adapter: time limits of wrapped states, the world state for critics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make

STOP = 4  # SMAX's discrete actions: 4 moves, stop, then one attack per enemy
LIMIT = 3


@pytest.fixture(scope="module")
def smax():
    env, params = make("jaxmarl::HeuristicEnemySMAX", max_steps=LIMIT)
    return env, params


def test_smax__time_limit_of_heuristic_enemy_smax_is_a_truncation(smax):
    """HeuristicEnemySMAX keeps its step counter in ``state.state.step``; at its step limit
    every agent is truncated, not terminated (so returns bootstrap there). SMAX tests the
    limit before counting the step, so an episode lasts ``max_steps + 1`` steps."""
    env, params = smax
    _, state = env.reset(jax.random.key(0), params)
    stop = jnp.full((env.num_agents,), STOP, jnp.int32)
    step = jax.jit(env.step)
    flags = []
    for t in range(LIMIT + 1):
        _, state, _, terminated, truncated, _ = step(jax.random.key(t + 1), state, stop, params)
        flags.append((np.asarray(terminated), np.asarray(truncated)))
    for terminated, truncated in flags[:-1]:
        assert not terminated.any() and not truncated.any()
    terminated, truncated = flags[-1]
    assert truncated.all() and not terminated.any()


def test_smax__global_state_is_the_world_state(smax):
    env, params = smax
    key = jax.random.key(0)
    _, state = env.reset(key, params)
    global_state = env.global_state(state, params)
    world_state = env.env.get_world_state(state)
    smax_obs, _ = env.env.reset(key)
    assert world_state.shape == smax_obs["world_state"].shape
    assert global_state.shape == (env.num_agents, world_state.shape[0])
    np.testing.assert_array_equal(global_state, jnp.broadcast_to(world_state, global_state.shape))
