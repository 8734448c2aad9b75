"""DQN learns CartPole."""

import flax.linen as nn
import optax

from memorax.algorithms import DQN, DQNConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def test_dqn__mlp_solves_cartpole(learning):
    """gymnax::CartPole-v1, double DQN (3-step) + MLP, seed 0, 176,000 env steps (budget
    500k): mean greedy evaluation return (16 envs x 500 steps) >= 400."""
    env, params = make("gymnax::CartPole-v1")
    config = DQNConfig(
        num_envs=16, tau=1.0, target_update_frequency=1000, train_frequency=16, buffer_size=50_000,
        batch_size=64, learning_starts=4_000, epsilon_decay_steps=40_000, epsilon_finish=0.02, n_step=3,
    )
    agent = DQN(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.DiscreteQNetwork(action_dim=2), activation=nn.relu),
        optax.chain(optax.clip_by_global_norm(10.0), optax.adam(1e-3)),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=176_000, eval_steps=16 * 500)
    print(f"DQN MLP CartPole: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= 400.0
