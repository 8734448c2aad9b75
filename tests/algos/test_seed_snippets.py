"""The Algorithms guide's snippets (seed 004) run as written.

Only what the guide leaves out is added: the environments, keys, networks, optimizers,
the R2D2 buffer and schedules. Every agent then trains one tiny budget (the guide's
budgets are for real runs). The guide's "Training Loop Pattern" uses ``lox.spool``;
``lox`` is not a memorax dependency, so that loop is run with plain calls.
"""

import flax.linen as nn
import jax
import optax
import pytest

from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, RNN, FeatureExtractor, Network, heads


def _network(head, recurrent: bool = False) -> Network:
    torso = RNN(cell=nn.GRUCell(features=8)) if recurrent else None
    return Network(feature_extractor=FeatureExtractor(observation_extractor=MLP(features=(8,))), torso=torso, head=head)


@pytest.fixture(scope="module")
def cartpole():
    env, env_params = make("gymnax::CartPole-v1")
    return RecordEpisodeStatistics(env), env_params


def _train(agent, num_steps: int) -> dict:
    key = jax.random.key(0)
    key, init_key = jax.random.split(key)
    state = agent.init(init_key)
    key, train_key = jax.random.split(key)
    state, logs = agent.train(train_key, state, num_steps=num_steps)
    key, eval_key = jax.random.split(key)
    eval_logs = agent.evaluate(eval_key, state, num_steps=100)
    return logs, eval_logs


def test_guide__ppo(cartpole):
    env, env_params = cartpole
    actor, critic = _network(heads.Categorical(action_dim=2)), _network(heads.VNetwork())
    actor_optimizer, critic_optimizer = optax.adam(3e-4), optax.adam(3e-4)
    from memorax.algorithms import PPO, PPOConfig
    config = PPOConfig(
    num_envs=8,
    num_steps=128,
    gae_lambda=0.95,
    num_minibatches=4,
    update_epochs=4,
    normalize_advantage=True,
    clip_coefficient=0.2,
    clip_value_loss=True,
    entropy_coefficient=0.01,
    burn_in_length=0,
    )
    agent = PPO(config, env, env_params, actor, critic, actor_optimizer, critic_optimizer)
    logs, _ = _train(agent, num_steps=1000)  # the Core Concepts guide's budget: not a multiple of 8 x 128
    assert int(logs["step"]) >= 1000


def test_guide__dqn_with_warmup(cartpole):
    env, env_params = cartpole
    q_network, optimizer = _network(heads.DiscreteQNetwork(action_dim=2)), optax.adam(3e-4)
    from memorax.algorithms import DQN, DQNConfig
    config = DQNConfig(
    num_envs=8,
    tau=1.0,
    target_update_frequency=1000,
    train_frequency=4,
    burn_in_length=0,
    )
    agent = DQN(config, env, env_params, q_network, optimizer)
    key = jax.random.key(0)
    key, init_key = jax.random.split(key)
    state = agent.init(init_key)
    key, warmup_key = jax.random.split(key)
    state = agent.warmup(warmup_key, state, num_steps=10_000)
    key, train_key = jax.random.split(key)
    state, logs = agent.train(train_key, state, num_steps=64)
    assert "losses/td" in logs


def test_guide__sac():
    env, env_params = make("gymnax::Pendulum-v1")
    actor = _network(heads.SquashedGaussian(action_dim=1))
    critic = _network(heads.TwinContinuousQNetwork(hidden_features=(8,)))
    actor_optimizer, critic_optimizer, alpha_optimizer = optax.adam(3e-4), optax.adam(3e-4), optax.adam(3e-4)
    from memorax.algorithms import SAC, SACConfig
    config = SACConfig(
    num_envs=8,
    tau=0.005,
    train_frequency=1,
    target_update_frequency=1,
    target_entropy_scale=0.89,
    gradient_steps=1,
    burn_in_length=0,
    )
    agent = SAC(config, env, env_params, actor, critic, critic, actor_optimizer, critic_optimizer, alpha_optimizer)
    logs, _ = _train(agent, num_steps=64)
    assert int(logs["step"]) == 64


def test_guide__r2d2(cartpole):
    env, env_params = cartpole
    from memorax.buffers import make_prioritised_episode_buffer
    q_network, optimizer = _network(heads.DiscreteQNetwork(action_dim=2), recurrent=True), optax.adam(3e-4)
    buffer = make_prioritised_episode_buffer(
        max_length=16_384, min_length=160, sample_batch_size=4, sample_sequence_length=80, add_batch_size=8,
        priority_exponent=0.9,
    )
    epsilon_schedule = optax.linear_schedule(1.0, 0.05, 10_000)
    beta_schedule = optax.linear_schedule(0.6, 1.0, 10_000)
    from memorax.algorithms import R2D2, R2D2Config
    config = R2D2Config(
    num_envs=8,
    tau=1.0,
    target_update_frequency=500,
    train_frequency=10,
    burn_in_length=10,
    sequence_length=80,
    n_step=5,
    priority_exponent=0.9,
    importance_sampling_exponent=0.6,
    )
    agent = R2D2(config, env, env_params, q_network, optimizer, buffer, epsilon_schedule, beta_schedule)
    logs, _ = _train(agent, num_steps=400)
    assert int(logs["step"]) == 400


def test_guide__mappo():
    env, env_params = make("jaxmarl::MPE_simple_spread_v3")
    actor, critic = _network(heads.Categorical(action_dim=5)), _network(heads.VNetwork())
    optimizer = optax.adam(3e-4)
    from memorax.algorithms import MAPPO, MAPPOConfig
    config = MAPPOConfig(
    num_envs=8,
    num_steps=128,
    gae_lambda=0.95,
    num_minibatches=4,
    update_epochs=4,
    normalize_advantage=True,
    clip_coefficient=0.2,
    clip_value_loss=True,
    entropy_coefficient=0.01,
    )
    agent = MAPPO(config, env, env_params, actor, critic, optimizer, optimizer)
    logs, _ = _train(agent, num_steps=8 * 128)
    assert int(logs["step"]) == 8 * 128


def test_guide__stream_ac(cartpole):
    env, env_params = cartpole
    actor, critic = _network(heads.Categorical(action_dim=2)), _network(heads.VNetwork())
    from memorax.algorithms import StreamAC, StreamACConfig
    config = StreamACConfig(
    num_envs=8,
    trace_lambda=0.9,
    actor_lr=3e-4,
    critic_lr=1e-3,
    entropy_coefficient=0.01,
    )
    agent = StreamAC(config, env, env_params, actor, critic)
    logs, eval_logs = _train(agent, num_steps=64)
    assert int(logs["step"]) == 64
    assert logs["losses/td_error"].shape == (8,)  # one update per vector step
    assert logs["episode/return"].shape == (8, 8) and eval_logs["episode/return"].shape == (13, 8)
    state = jax.eval_shape(agent.init, jax.random.key(0))
    assert state.critic_traces["params"]["head"]["Dense_0"]["kernel"].shape[0] == 8  # one trace per env


def test_guide__gradient_ppo(cartpole):
    env, env_params = cartpole
    actor, critic = _network(heads.Categorical(action_dim=2), recurrent=True), _network(heads.VNetwork(), recurrent=True)
    optimizer = optax.adam(3e-4)
    from memorax.algorithms import GradientPPO, GradientPPOConfig
    config = GradientPPOConfig(
    num_envs=8,
    num_steps=128,
    gae_lambda=0.95,
    num_minibatches=4,
    update_epochs=4,
    normalize_advantage=True,
    clip_coefficient=0.2,
    clip_value_loss=True,
    entropy_coefficient=0.01,
    regularization_coefficient=0.1,
    truncation_length=16,
    )
    agent = GradientPPO(config, env, env_params, actor, critic, optimizer, optimizer)
    logs, eval_logs = _train(agent, num_steps=8 * 128)
    assert int(logs["step"]) == 8 * 128
    assert logs["losses/correction"].shape == (1,) and eval_logs["episode/return"].shape == (13, 8)
    state = jax.eval_shape(agent.init, jax.random.key(0))
    assert "correction" in state.critic_params["params"]["head"]  # the h head is built inside
