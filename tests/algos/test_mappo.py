"""MAPPO on a two-agent probe: shared parameters over the folded agent axis, both critic kinds."""

import jax
import numpy as np
import optax
import pytest

from memorax.algorithms import MAPPO, MAPPOConfig, PPOConfig
from memorax.core import episode_return


@pytest.mark.parametrize("centralised_critic", [False, True])
def test_mappo__every_agent_learns_its_own_answer(probes, centralised_critic):
    """MatchBits, 4 envs x 2 agents, 4096 steps: each agent's return rises from 0.5 to >= 0.9."""
    env = probes["MatchBits"]()
    make, heads = probes["make_network"], probes["heads"]
    config = MAPPOConfig(num_envs=4, num_steps=8, num_minibatches=2, update_epochs=4, centralised_critic=centralised_critic)
    agent = MAPPO(config, env, None, make(heads.Categorical(action_dim=2)), make(heads.VNetwork()),
                  optax.adam(1e-2), optax.adam(1e-2))
    state = agent.init(jax.random.key(0))
    assert state.timestep.observation.shape == (4, 2, 2)
    state, logs = agent.train(jax.random.key(1), state, 4096)
    assert logs["episode/return"].shape == (4096 // 4, 4, 2)
    eval_logs = agent.evaluate(jax.random.key(2), state, 4 * 16)
    per_agent = np.asarray(eval_logs["episode/return"]).mean(axis=(0, 1))
    assert np.all(per_agent >= 0.9), per_agent
    assert episode_return(eval_logs) >= 0.9


def test_mappo__refuses_a_single_agent_env(probes):
    env = probes["RememberBit"]()
    make, heads = probes["make_network"], probes["heads"]
    with pytest.raises(ValueError, match="MAPPO needs a multi-agent environment"):
        MAPPO(MAPPOConfig(num_envs=2, num_steps=2, num_minibatches=1), env, None,
              make(heads.Categorical(action_dim=2)), make(heads.VNetwork()), optax.adam(1e-3), optax.adam(1e-3))


def test_mappo_config__keeps_the_ppo_fields_and_validation():
    assert issubclass(MAPPOConfig, PPOConfig)
    with pytest.raises(ValueError, match="num_minibatches"):
        MAPPOConfig(num_envs=3, num_steps=3, num_minibatches=2)
