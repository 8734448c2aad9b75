"""playground:: (MuJoCo Playground on MJX): the memorax step contract and a PPO smoke run on CartpoleBalance.

One env (episode limit 5) and one compiled rollout of 4 envs for 12 steps: two envs act
at random, two push right; CartpoleBalance never terminates, so every episode is
truncated at the limit. The PPO smoke run trains 2 updates of 4 envs x 8 steps.
"""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Environment
from memorax.environments import make

LIMIT = 5


@pytest.fixture(scope="module")
def cartpole():
    return make("playground::CartpoleBalance", episode_length=LIMIT)


@pytest.fixture(scope="module")
def records(cartpole, rollout):
    env, params = cartpole
    space = env.action_space(params)
    policies = [
        (lambda obs, memory, first, key: (space.sample(key), memory), jnp.zeros(())),
        (lambda obs, memory, first, key: (jnp.ones(1), memory), jnp.zeros(())),
    ]
    records, _ = rollout(env, params, policies, 2, 2 * LIMIT + 2)
    return records


def test_playground__spaces_match_arrays(cartpole, records):
    env, params = cartpole
    assert isinstance(env, Environment)
    obs_space, action_space = env.observation_space(params), env.action_space(params)
    assert obs_space.shape == (5,) and action_space.shape == (1,)
    assert np.all(np.asarray(action_space.low) == -1.0) and np.all(np.asarray(action_space.high) == 1.0)
    steps = 2 * LIMIT + 2
    assert records["observation"].shape == (steps, 4, 5) and records["observation"].dtype == obs_space.dtype
    assert records["action"].shape == (steps, 4, 1)
    assert records["reward"].dtype == np.float32 and np.all(np.isfinite(records["reward"]))
    assert records["terminated"].dtype == bool and records["truncated"].dtype == bool


def test_playground__truncates_at_the_limit_and_auto_resets_with_the_final_observation(records):
    done = records["terminated"] | records["truncated"]
    assert not np.any(records["terminated"])  # CartpoleBalance has no failure state
    np.testing.assert_array_equal(np.nonzero(records["truncated"][:, 0])[0], [LIMIT - 1, 2 * LIMIT - 1])
    np.testing.assert_array_equal(records["first"][1:], done[:-1])
    t, e = np.nonzero(~done[:-1])
    np.testing.assert_array_equal(records["final_observation"][t, e], records["observation"][t + 1, e])
    t, e = np.nonzero(done[:-1])  # the final observation is the finished episode's, not the reset one
    assert not np.allclose(records["final_observation"][t, e], records["observation"][t + 1, e])


def test_playground__bad_ids_and_missing_backend_are_clear(monkeypatch):
    with pytest.raises(ValueError, match="Did you mean playground::CartpoleBalance"):
        make("playground::CartpoleBalanse")
    monkeypatch.setitem(sys.modules, "mujoco_playground", None)
    with pytest.raises(ImportError, match=r'pip install "memorax-envs\[playground\]"'):
        make("playground::CartpoleBalance")


@pytest.mark.slow
def test_playground__ppo_smoke_run_on_cartpole_balance(cartpole):
    """PPO with MLP actor (Gaussian) and critic, 2 updates of 4 envs x 8 steps: the step counter moves and
    every logged loss and statistic is finite (the MJX step compiles inside PPO's rollout)."""
    pytest.importorskip("memorax.algorithms")
    import optax

    from memorax.algorithms import PPO, PPOConfig
    from memorax.networks import MLP, FeatureExtractor, Network, heads

    env, params = cartpole
    network = lambda head: Network(FeatureExtractor(observation_extractor=MLP(features=(32,))), torso=None, head=head)  # noqa: E731
    config = PPOConfig(num_envs=4, num_steps=8, num_minibatches=1, update_epochs=1)
    agent = PPO(config, env, params, network(heads.Gaussian(action_dim=1)), network(heads.VNetwork()),
                optax.adam(3e-4), optax.adam(3e-4))
    state = agent.init(jax.random.key(0))
    state, logs = agent.train(jax.random.key(1), state, 2 * 4 * 8)
    assert int(state.step) == 2 * 4 * 8
    leaves = [np.asarray(leaf) for leaf in jax.tree.leaves(logs) if jnp.issubdtype(jnp.result_type(leaf), jnp.floating)]
    assert leaves and all(np.all(np.isfinite(leaf)) for leaf in leaves)
