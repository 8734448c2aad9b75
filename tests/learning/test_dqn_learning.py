"""DQN learns CartPole."""

import flax.linen as nn
import optax

from memorax.algorithms import DQN, DQNConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def cartpole_return(learning, head) -> tuple[float, float]:
    """Double DQN (3-step) + MLP with ``head`` on gymnax::CartPole-v1, seed 0, 176,000 env
    steps: (mean greedy evaluation return over 16 envs x 500 steps, wall seconds)."""
    env, params = make("gymnax::CartPole-v1")
    config = DQNConfig(
        num_envs=16, tau=1.0, target_update_frequency=1000, train_frequency=16, buffer_size=50_000,
        batch_size=64, learning_starts=4_000, epsilon_decay_steps=40_000, epsilon_finish=0.02, n_step=3,
    )
    agent = DQN(
        config, RecordEpisodeStatistics(env), params, learning["network"](head, activation=nn.relu),
        optax.chain(optax.clip_by_global_norm(10.0), optax.adam(1e-3)),
    )
    return learning["train_and_evaluate"](agent, seed=0, num_steps=176_000, eval_steps=16 * 500)


def test_dqn__mlp_solves_cartpole(learning):
    """gymnax::CartPole-v1, double DQN (3-step) + MLP, seed 0, 176,000 env steps (budget
    500k): mean greedy evaluation return (16 envs x 500 steps) >= 400."""
    result, seconds = cartpole_return(learning, heads.DiscreteQNetwork(action_dim=2))
    print(f"DQN MLP CartPole: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= 400.0


def test_dqn__c51_solves_cartpole(learning):
    """As above with a C51 head (51 atoms on [0, 100]) trained by the categorical projection
    of its n-step double-Q target and cross-entropy: mean greedy evaluation return >= 400."""
    result, seconds = cartpole_return(learning, heads.C51QNetwork(action_dim=2, v_min=0.0, v_max=100.0))
    print(f"DQN C51 MLP CartPole: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= 400.0
