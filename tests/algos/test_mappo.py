"""MAPPO on a two-agent probe: shared parameters over the folded agent axis, both critic kinds."""

import jax
import jax.numpy as jnp
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


class _TwoAgents:
    """MatchBits' spaces (2-feature observations, 2 actions) for constructed two-agent probes."""

    num_agents = 2
    default_params = None

    def __init__(self, probes):
        self.spaces = probes["MatchBits"]()

    def observation_space(self, params):
        return self.spaces.observation_space(params)

    def action_space(self, params):
        return self.spaces.action_space(params)


class _DeadAgent(_TwoAgents):
    """Two agents, 4-step episodes. Agent 1 dies on step 0 and then, like a dead SMAX unit,
    reports done at every step until the episode ends, with a garbage reward of 100."""

    def _observe(self, time):
        return jnp.stack([jnp.full((2,), time / 4.0), jnp.ones(2)], axis=-1)

    def reset(self, key, params):
        return self._observe(jnp.int32(0)), jnp.int32(0)

    def step(self, key, time, action, params):
        over = time + 1 == 4
        terminated = jnp.stack([over, jnp.bool_(True)])
        reward = jnp.stack([jnp.float32(1.0), jnp.where(time >= 1, 100.0, 0.0)])
        info = {"final_observation": self._observe(time + 1), "episode/return": reward,
                "episode/length": time + 1, "episode/done": over}
        fresh = jnp.where(over, 0, time + 1)
        return self._observe(fresh), fresh, reward, terminated, jnp.zeros(2, bool), info

    def global_state(self, state, params):
        return self._observe(state)


def test_mappo__dead_agents_are_masked_out_of_every_loss_and_statistic(probes):
    """Agent 1's steps after its death are inactive; garbage there changes no loss or metric."""
    make, heads = probes["make_network"], probes["heads"]
    config = MAPPOConfig(num_envs=2, num_steps=8, num_minibatches=1, update_epochs=1)
    agent = MAPPO(config, _DeadAgent(probes), None, make(heads.Categorical(action_dim=2)), make(heads.VNetwork()),
                  optax.adam(1e-2), optax.adam(1e-2))
    state = agent.init(jax.random.key(0))
    _, batch = agent._collect(jax.random.key(1), state)
    alive = np.array([1, 1, 1, 1, 1, 1, 1, 1], bool)
    dead_after_first = np.array([1, 0, 0, 0, 1, 0, 0, 0], bool)
    np.testing.assert_array_equal(batch.active, np.stack([alive, dead_after_first] * 2))  # rows env-major
    params = (state.actor_params, state.critic_params)
    _, metrics = agent._loss(params, batch)
    garbage = lambda x: jnp.where(batch.active, x, 1e3)
    corrupted = batch._replace(advantage=garbage(batch.advantage), target=garbage(batch.target),
                               value=garbage(batch.value), log_prob=garbage(batch.log_prob))
    _, corrupted_metrics = agent._loss(params, corrupted)
    for name, value in metrics.items():
        np.testing.assert_allclose(corrupted_metrics[name], value, rtol=1e-6, err_msg=name)


def test_mappo__shared_actor_critic_network_trains(probes):
    env = probes["MatchBits"]()
    heads = probes["heads"]
    network = probes["make_network"](heads.ActorCritic(policy=heads.Categorical(action_dim=2), value=heads.VNetwork()))
    config = MAPPOConfig(num_envs=4, num_steps=8, num_minibatches=2, update_epochs=4)
    agent = MAPPO(config, env, None, network, None, optax.adam(1e-2), None)
    state, _ = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 4096)
    assert episode_return(agent.evaluate(jax.random.key(2), state, 4 * 16)) >= 0.9
    with pytest.raises(ValueError, match="centralised_critic=True needs a separate critic"):
        MAPPO(MAPPOConfig(num_envs=4, num_steps=8, num_minibatches=2, centralised_critic=True), env, None, network,
              None, optax.adam(1e-2), None)


class _OppositeAgents(_TwoAgents):
    """Two agents see the same constant observation; agent a is paid 1 for action a (one-step
    episodes). One shared policy can score at most 0.5 per agent on average; per-agent
    parameters score 1."""

    def reset(self, key, params):
        return jnp.ones((2, 2)), jnp.int32(0)

    def step(self, key, state, action, params):
        reward = (action == jnp.arange(2)).astype(jnp.float32)
        info = {"final_observation": jnp.ones((2, 2)), "episode/return": reward,
                "episode/length": jnp.int32(1), "episode/done": jnp.bool_(True)}
        return jnp.ones((2, 2)), state, reward, jnp.ones(2, bool), jnp.zeros(2, bool), info

    def global_state(self, state, params):
        return jnp.ones((2, 4))


def test_ippo__per_agent_parameters_learn_different_policies(probes):
    """IPPO(share_parameters=False) on _OppositeAgents, 4 envs, 2048 steps: every agent's
    return >= 0.9 (a shared policy cannot exceed 0.5 on average), and the agents' parameters differ."""
    from memorax.algorithms import IPPO, IPPOConfig

    make, heads = probes["make_network"], probes["heads"]
    config = IPPOConfig(num_envs=4, num_steps=8, num_minibatches=2, update_epochs=4, share_parameters=False)
    agent = IPPO(config, _OppositeAgents(probes), None, make(heads.Categorical(action_dim=2), recurrent=True),
                 make(heads.VNetwork(), recurrent=True), optax.adam(1e-2), optax.adam(1e-2))
    state = agent.init(jax.random.key(0))
    assert all(leaf.shape[0] == 2 for leaf in jax.tree.leaves(state.actor_params))
    assert state.actor_carry.shape[:2] == (4, 2)  # env axis leading, then agents
    state, _ = agent.train(jax.random.key(1), state, 2048)
    per_agent = np.asarray(agent.evaluate(jax.random.key(2), state, 4 * 8)["episode/return"]).mean(axis=(0, 1))
    assert np.all(per_agent >= 0.9), per_agent
    kernel = state.actor_params["params"]["head"]["Dense_0"]["kernel"]
    assert not np.allclose(kernel[0], kernel[1])
    with pytest.raises(ValueError, match="IPPOConfig.centralised_critic must be False"):
        IPPOConfig(centralised_critic=True)
