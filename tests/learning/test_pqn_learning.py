"""PQN learns CartPole."""

import flax.linen as nn
import optax

from memorax.algorithms import PQN, PQNConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def test_pqn__mlp_solves_cartpole(learning):
    """gymnax::CartPole-v1, PQN + MLP, seed 0, 245,760 env steps: mean greedy evaluation
    return (32 envs x 500 steps) >= 400."""
    env, params = make("gymnax::CartPole-v1")
    config = PQNConfig(num_envs=32, num_steps=16, num_minibatches=4, update_epochs=4, epsilon_decay_steps=30_000)
    updates = 480
    schedule = optax.linear_schedule(2.5e-3, 0.0, updates * config.update_epochs * config.num_minibatches)
    agent = PQN(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.DiscreteQNetwork(action_dim=2), activation=nn.relu),
        optax.chain(optax.clip_by_global_norm(10.0), optax.adam(schedule)),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=updates * config.batch_size, eval_steps=32 * 500)
    print(f"PQN MLP CartPole: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= 400.0
