"""PPO on probe environments: the API contract (compile once, evaluate, vmap) and its mechanics."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from memorax.algorithms import PPO, PPOConfig
from memorax.algorithms._network import apply_sequence
from memorax.algorithms._rollout import rollout

N, T = 4, 8


@pytest.fixture(scope="module")
def agent(probes):
    env = probes["RememberBit"]()
    actor = probes["make_network"](probes["heads"].Categorical(action_dim=2), recurrent=True)
    critic = probes["make_network"](probes["heads"].VNetwork(), recurrent=True)
    config = PPOConfig(num_envs=N, num_steps=T, num_minibatches=2, update_epochs=2, burn_in_length=2)
    return PPO(config, env, env.default_params, actor, critic, optax.adam(1e-2), optax.adam(1e-2))


@pytest.fixture(scope="module")
def trained(agent):
    state = agent.init(jax.random.key(0))
    state, logs = agent.train(jax.random.key(1), state, 2 * N * T)
    return state, logs


def _host(tree):
    return jax.tree.map(np.asarray, tree)


def test_ppo__train_compiles_once_for_repeated_calls(agent, trained):
    state, _ = trained
    state, _ = agent.train(jax.random.key(2), state, 2 * N * T)
    state, logs = agent.train(jax.random.key(3), state, 2 * N * T)
    assert agent._jitted_train._cache_size() == 1
    assert int(logs["step"]) == 6 * N * T


def test_ppo__logs_hold_step_episode_statistics_and_losses(trained):
    _, logs = trained
    assert logs["step"].dtype == jnp.float32 and logs["step"].shape == ()
    assert logs["episode/return"].shape == (2 * T, N)
    assert logs["episode/done"].dtype == bool and logs["episode/done"].any()
    for name in ("actor", "critic", "entropy", "approx_kl", "clip_fraction"):
        assert logs[f"losses/{name}"].shape == (2,)


def test_ppo__evaluate_leaves_the_training_state_untouched(agent, trained):
    state, _ = trained
    before = _host(state)
    logs = agent.evaluate(jax.random.key(4), state, N * 10)
    jax.tree.map(np.testing.assert_array_equal, _host(state), before)
    assert int(logs["step"]) == int(state.step)
    assert logs["episode/return"].shape == (10, N)
    assert logs["episode/done"].sum() == 5 * N  # two-step episodes from fresh envs


def test_ppo__vmaps_over_seeds_like_separate_runs(agent):
    keys = jax.random.split(jax.random.key(5), 2)
    states = jax.vmap(agent.init)(keys)
    train_keys = jax.random.split(jax.random.key(6), 2)
    states, logs = jax.vmap(agent.train, in_axes=(0, 0, None))(train_keys, states, 2 * N * T)
    assert logs["step"].shape == (2,)
    single, single_logs = agent.train(train_keys[1], agent.init(keys[1]), 2 * N * T)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a[1], b, rtol=1e-4, atol=1e-5),
        _host(states.actor_params), _host(single.actor_params),
    )
    np.testing.assert_allclose(logs["losses/critic"][1], single_logs["losses/critic"], rtol=1e-4)


def test_ppo__learning_rows_start_from_the_rollout_start_carry(agent, trained):
    state, _ = trained  # carries are mid-episode, not fresh
    _, batch = agent._collect(jax.random.key(7), state)
    _, values = apply_sequence(agent.critic, state.critic_params, batch.critic_timestep, batch.critic_carry)
    np.testing.assert_allclose(values, batch.value, rtol=1e-5, atol=1e-5)
    _, policy = apply_sequence(agent.actor, state.actor_params, batch.timestep, batch.actor_carry)
    np.testing.assert_allclose(policy.log_prob(batch.action), batch.log_prob, rtol=1e-5, atol=1e-5)


def test_ppo__adds_sown_aux_losses_to_both_losses(probes):
    env = probes["RememberBit"]()
    make, heads = probes["make_network"], probes["heads"]
    torso = probes["SowAuxLoss"](value=3.0)
    config = PPOConfig(num_envs=2, num_steps=2, num_minibatches=1, update_epochs=1)
    agent = PPO(config, env, None, make(heads.Categorical(action_dim=2), torso=torso),
                make(heads.VNetwork(), torso=torso), optax.sgd(0.0), optax.sgd(0.0))
    _, logs = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), 4)
    np.testing.assert_allclose(logs["losses/actor_aux"], [3.0])
    np.testing.assert_allclose(logs["losses/critic_aux"], [3.0])


def test_ppo__values_bootstrap_through_truncation(probes):
    """Reward 1 every step, every step truncated: V = 1 / (1 - gamma) = 2, not 1."""
    env = probes["RememberBit"](truncate=True)
    make, heads = probes["make_network"], probes["heads"]
    config = PPOConfig(num_envs=4, num_steps=4, num_minibatches=1, update_epochs=4, gamma=0.5, clip_value_loss=False)
    agent = PPO(config, env, None, make(heads.Categorical(action_dim=2)), make(heads.VNetwork()),
                optax.adam(1e-2), optax.adam(3e-2))
    state, _ = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), 16 * 150)
    result = rollout(
        jax.random.key(2), env, None,
        lambda *args: agent._act((state.actor_params, state.critic_params), False, *args),
        state.env_state, state.timestep, (None, None), 1,
    )
    np.testing.assert_allclose(result.transitions.aux["value"], 2.0, atol=0.1)


def test_ppo__continuous_actions_learn_a_target(probes):
    """A one-step bandit paying -(a - 0.5)^2: the Gaussian policy's mean moves to 0.5."""
    class Target:
        default_params = None

        def observation_space(self, params):
            return probes["RememberBit"]().observation_space(params)

        def action_space(self, params):
            return type(self.observation_space(params))(-1.0, 1.0, (1,))

        def reset(self, key, params):
            return jnp.ones(2), jnp.zeros((), jnp.int32)

        def step(self, key, state, action, params):
            reward = -jnp.square(action[0] - 0.5)
            obs = jnp.ones(2)
            return obs, state, reward, jnp.bool_(True), jnp.bool_(False), {"final_observation": obs}

    make, heads = probes["make_network"], probes["heads"]
    config = PPOConfig(num_envs=64, num_steps=4, num_minibatches=2, update_epochs=4, entropy_coefficient=0.0)
    decay = optax.linear_schedule(1e-2, 0.0, 100 * 4 * 2)
    agent = PPO(config, Target(), None, make(heads.Gaussian(action_dim=1)), make(heads.VNetwork()),
                optax.adam(decay), optax.adam(1e-2))
    state, _ = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), 256 * 100)
    _, policy = apply_sequence(agent.actor, state.actor_params, state.timestep.to_sequence(), None)
    np.testing.assert_allclose(policy.mode(), 0.5, atol=0.1)


def _shared_agent(probes, config, recurrent=False, value_head=None, env=None):
    heads = probes["heads"]
    head = heads.ActorCritic(policy=heads.Categorical(action_dim=2), value=value_head or heads.VNetwork())
    network = probes["make_network"](head, recurrent=recurrent)
    return PPO(config, env or probes["RememberBit"](), None, network, None, optax.adam(1e-2), None)


def test_ppo__shared_actor_critic_value_head_bootstraps_through_truncation(probes):
    """One network, one optimizer: the value head learns V = 1 / (1 - gamma) = 2 through the joint loss."""
    config = PPOConfig(num_envs=4, num_steps=4, num_minibatches=1, update_epochs=4, gamma=0.5, clip_value_loss=False,
                       value_coefficient=1.0)
    agent = _shared_agent(probes, config, env=probes["RememberBit"](truncate=True))
    state = agent.init(jax.random.key(1))
    assert state.critic_params is None and state.critic_optimizer_state is None and state.critic_carry is None
    state, logs = agent.train(jax.random.key(0), state, 16 * 150)
    assert set(logs) >= {"losses/actor", "losses/critic", "losses/aux"}
    _, _, aux = agent._act((state.actor_params, None), False, jax.random.key(2), (None, None), state.timestep, state.env_state)
    np.testing.assert_allclose(aux["value"], 2.0, atol=0.1)


@pytest.mark.parametrize("case", ["critic_without_optimizer", "optimizer_without_critic", "shared_head_with_critic",
                                  "plain_head_without_critic"])
def test_ppo__refuses_half_given_critics(probes, case):
    heads, make = probes["heads"], probes["make_network"]
    shared = make(heads.ActorCritic(policy=heads.Categorical(action_dim=2), value=heads.VNetwork()))
    actor, critic, opt = make(heads.Categorical(action_dim=2)), make(heads.VNetwork()), optax.adam(1e-3)
    args = {
        "critic_without_optimizer": (actor, critic, opt, None, "pass both"),
        "optimizer_without_critic": (actor, None, opt, opt, "pass both"),
        "shared_head_with_critic": (shared, critic, opt, opt, "already has a value head"),
        "plain_head_without_critic": (actor, None, opt, None, "must have heads.ActorCritic"),
    }[case]
    with pytest.raises(ValueError, match=args[4]):
        PPO(PPOConfig(num_envs=2, num_steps=2, num_minibatches=1), probes["RememberBit"](), None, *args[:4])


class _TruncatesOnOneBit:
    """RememberBit whose second step is truncated when the bit is 1 (final observation kept) and
    terminated when it is 0: rollouts mix both kinds of episode end."""

    def __init__(self, probes):
        self.inner = probes["RememberBit"]()
        self.default_params = None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def step(self, key, state, action, params):
        obs, new_state, reward, terminated, truncated, info = self.inner.step(key, state, action, params)
        cut = terminated & (state.bit == 1)
        return obs, new_state, reward, terminated & ~cut, cut, info


def test_ppo__advantages_equal_bootstrapping_every_step_from_its_true_next_observation(probes, agent):
    """Values of the true next observation are computed only where a step was truncated; the
    advantages must equal those of evaluating V(o_{t+1}) at every step from the carry after o_t."""
    from memorax.algorithms._returns import episode_factors, generalized_advantage_estimation
    from memorax.core.timestep import Timestep

    env = _TruncatesOnOneBit(probes)
    config = PPOConfig(num_envs=N, num_steps=T, num_minibatches=2, update_epochs=1)
    mixed = PPO(config, env, None, agent.actor, agent.critic, optax.adam(1e-2), optax.adam(1e-2))
    state = mixed.init(jax.random.key(0))
    state, _ = mixed.train(jax.random.key(1), state, N * T)  # carries mid-episode
    result, batch = mixed._collect(jax.random.key(2), state)
    tr = result.transitions
    assert tr.truncated.any() and tr.terminated.any()
    critic, params = mixed.critic, state.critic_params
    next_value = []
    for t in range(T):
        carry, _ = apply_sequence(critic, params, jax.tree.map(lambda x: x[:, : t + 1], tr.timestep), state.critic_carry)
        following = Timestep(tr.next_observation[:, t], tr.action[:, t], tr.reward[:, t], jnp.zeros((N,), bool))
        _, value = apply_sequence(critic, params, following.to_sequence(), carry)
        next_value.append(value[:, 0])
    discount, trace = episode_factors(tr.terminated, tr.truncated, config.gamma, config.gae_lambda)
    expected = jax.vmap(generalized_advantage_estimation)(tr.reward, discount, trace, batch.value, jnp.stack(next_value, 1))
    np.testing.assert_allclose(batch.advantage, expected, rtol=1e-5, atol=1e-5)


def test_ppo__hl_gauss_critic_is_refused_under_value_clipping(probes):
    heads, make = probes["heads"], probes["make_network"]
    with pytest.raises(ValueError, match="clip_value_loss=True .* HLGaussVNetwork"):
        PPO(PPOConfig(num_envs=2, num_steps=2, num_minibatches=1, clip_value_loss=True), probes["RememberBit"](), None,
            make(heads.Categorical(action_dim=2)), make(heads.HLGaussVNetwork(num_bins=11, v_min=-1.0, v_max=1.0)),
            optax.adam(1e-3), optax.adam(1e-3))


def test_ppo__hl_gauss_critic_is_trained_by_its_cross_entropy(probes):
    """The logged critic loss is the head's HL-Gauss cross-entropy of the minibatch, not a squared error."""
    heads = probes["heads"]
    head = heads.HLGaussVNetwork(num_bins=11, v_min=-1.0, v_max=3.0)
    config = PPOConfig(num_envs=N, num_steps=T, num_minibatches=1, update_epochs=1, clip_value_loss=False)
    agent = _shared_agent(probes, config, recurrent=True, value_head=head)
    state = agent.init(jax.random.key(0))
    _, batch = agent._collect(jax.random.key(1), state)
    _, metrics = agent._loss(state.actor_params, batch)
    _, output = apply_sequence(agent.actor, state.actor_params, batch.timestep, batch.actor_carry)
    np.testing.assert_allclose(metrics["critic"], head.loss(output.value, batch.target).mean(), rtol=1e-5)
    assert float(metrics["critic"]) > 1.0  # a cross-entropy over 11 bins, far from 0.5 * (V - target)^2 here
