"""jaxmarl::, xminigrid::, navix:: and brax:: adapters: the memorax step contract, one compiled rollout each.

Each backend runs 4 envs (two policy groups of 2) under jit(vmap(scan)) for two
episodes' worth of steps with a short episode limit: one group acts at random, the
other is scripted to end the episode by termination where the task allows it
(reaching the goal in a grid world, a fallen pendulum) or to idle until truncation.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Environment, MultiAgentEnvironment
from memorax.environments import make

LIMIT = 5


def _scripted(actions):
    """Plays ``actions`` from each episode's start, then repeats the last one."""
    actions = jnp.asarray(actions, jnp.int32)

    def policy(obs, t, first, key):
        t = jnp.where(first, 0, t)
        return actions[jnp.minimum(t, len(actions) - 1)], t + 1

    return policy, jnp.int32(0)


def _constant(action):
    return lambda obs, memory, first, key: (action, memory), jnp.zeros(())


def _random(env, params):
    """Uniform actions; one per agent in multi-agent envs."""
    space, num_agents = env.action_space(params), getattr(env, "num_agents", None)

    def policy(obs, memory, first, key):
        if num_agents is None:
            return space.sample(key), memory
        return jax.vmap(space.sample)(jax.random.split(key, num_agents)), memory

    return policy, jnp.zeros(())


# backend -> (env id, make kwargs, second policy group, what the second group does)
BACKENDS = {
    "jaxmarl": (
        "jaxmarl::MPE_simple_spread_v3",
        {"max_steps": LIMIT - 1},
        lambda env: _constant(jnp.zeros(3, jnp.int32)),
        "truncates",
    ),
    "xminigrid": (
        "xminigrid::MiniGrid-Empty-5x5",
        {"max_steps": LIMIT + 1},
        lambda env: _scripted([0, 0, 1, 0, 0]),
        "terminates",
    ),
    "navix": (
        "navix::Navix-Empty-5x5-v0",
        {"max_steps": LIMIT + 1},
        lambda env: _scripted([2, 2, 1, 2, 2]),
        "terminates",
    ),
    "brax": ("brax::inverted_pendulum", {"episode_length": LIMIT}, lambda env: _constant(jnp.zeros(1)), "truncates"),
}


def _episode_lengths(first):
    """Length of the current episode at each step, counting the step itself: (steps, envs)."""
    lengths = np.zeros(first.shape, np.int64)
    for t in range(first.shape[0]):
        lengths[t] = 1 if t == 0 else np.where(first[t], 1, lengths[t - 1] + 1)
    return lengths


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def backend(request, rollout):
    env_id, kwargs, second_group, behaviour = BACKENDS[request.param]
    env, params = make(env_id, **kwargs)
    limit = kwargs.get("max_steps", kwargs.get("episode_length"))
    limit = limit + 1 if request.param == "jaxmarl" else limit  # MPE episodes last max_steps + 1 steps
    policies = [_random(env, params), second_group(env)]
    records, _ = rollout(env, params, policies, 2, 2 * limit + 2)
    return request.param, env, params, limit, behaviour, records


def test_adapter__spaces_match_arrays(backend):
    name, env, params, limit, _, records = backend
    agents = (env.num_agents,) if isinstance(env, MultiAgentEnvironment) else ()
    assert isinstance(env, Environment)
    obs_space, action_space = env.observation_space(params), env.action_space(params)
    steps = records["reward"].shape[0]
    assert records["observation"].shape == (steps, 4, *agents, *obs_space.shape)
    assert records["observation"].dtype == obs_space.dtype
    assert records["action"].shape == (steps, 4, *agents, *action_space.shape)
    assert records["reward"].shape == records["terminated"].shape == records["truncated"].shape == (steps, 4, *agents)
    assert records["reward"].dtype == np.float32
    assert records["terminated"].dtype == bool and records["truncated"].dtype == bool
    assert records["final_observation"].shape == records["observation"].shape
    low, high = np.asarray(obs_space.low), np.asarray(obs_space.high)
    assert np.all(records["observation"] >= low) and np.all(records["observation"] <= high)


def test_adapter__auto_resets_and_keeps_the_final_observation(backend):
    name, env, params, limit, _, records = backend
    done = (records["terminated"] | records["truncated"]).reshape(records["first"].shape + (-1,)).all(-1)
    assert np.all(done.sum(axis=0) >= 2), "every env finishes two episodes"
    np.testing.assert_array_equal(records["first"][1:], done[:-1])
    t, e = np.nonzero(~done[:-1])
    np.testing.assert_array_equal(records["final_observation"][t, e], records["observation"][t + 1, e])


def test_adapter__termination_and_truncation_apart(backend):
    name, env, params, limit, behaviour, records = backend
    lengths = _episode_lengths(records["first"])
    terminated, truncated = records["terminated"], records["truncated"]
    if terminated.ndim == 3:  # multi-agent: one flag per agent, the same for all agents here
        assert np.all(terminated == terminated[..., :1]) and np.all(truncated == truncated[..., :1])
        terminated, truncated = terminated[..., 0], truncated[..., 0]
    assert not np.any(terminated & truncated)
    assert np.all(lengths[truncated] == limit), "truncation happens exactly at the step limit"
    scripted = slice(2, 4)
    if behaviour == "terminates":
        assert np.all(terminated[4, scripted]) and not np.any(truncated[:, scripted])
        assert np.all(records["reward"][4, scripted] > 0)
    else:
        assert np.all(truncated[limit - 1, scripted]) and not np.any(terminated[:, scripted])
    if name == "jaxmarl":
        assert not np.any(terminated)  # MPE tasks end only by their time limit


@pytest.mark.parametrize(
    ("env_id", "extra"),
    [
        ("jaxmarl::MPE_simple_spread_v3", "jaxmarl"),
        ("xminigrid::MiniGrid-Empty-5x5", "xminigrid"),
        ("navix::Navix-Empty-5x5-v0", "navix"),
        ("brax::inverted_pendulum", "brax"),
    ],
)
def test_adapter__wrong_action_shape_is_a_clear_error(env_id, extra):
    env, params = make(env_id)
    _, state = jax.eval_shape(env.reset, jax.random.key(0), params)
    bad = jnp.zeros((7, 7), jnp.int32) if extra != "brax" else jnp.zeros((3,))
    with pytest.raises(ValueError, match="action has shape"):
        jax.eval_shape(env.step, jax.random.key(1), state, bad, params)


def test_jaxmarl__global_state_has_one_row_per_agent():
    env, params = make("jaxmarl::MPE_simple_spread_v3")
    obs, state = env.reset(jax.random.key(0), params)
    global_state = env.global_state(state, params)
    assert obs.shape == (3, 18) and global_state.shape == (3, 54)
    np.testing.assert_array_equal(global_state[0], obs.reshape(-1))
    np.testing.assert_array_equal(global_state[1], global_state[0])
