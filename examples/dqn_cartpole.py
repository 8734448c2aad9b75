"""Double DQN (3-step returns, periodic target network) with an MLP on CartPole.

Run: `uv run python examples/dqn_cartpole.py`.
"""

import math

import flax.linen as nn
import jax
import optax

from memorax.algorithms import DQN, DQNConfig
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, FeatureExtractor, Network, heads

TOTAL_STEPS = 176_000


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("gymnax::CartPole-v1")
    env = RecordEpisodeStatistics(env)
    config = DQNConfig(
        num_envs=16, tau=1.0, target_update_frequency=1000, train_frequency=16, n_step=3,
        buffer_size=50_000, batch_size=64, learning_starts=4_000, epsilon_decay_steps=40_000, epsilon_finish=0.02,
    )
    q_network = Network(
        FeatureExtractor(observation_extractor=MLP(features=(64, 64), activation=nn.relu)),
        head=heads.DiscreteQNetwork(action_dim=env.action_space(env_params).n),
    )
    # Buffer and epsilon schedule are built from the config when not given.
    agent = DQN(config, env, env_params, q_network, optax.chain(optax.clip_by_global_norm(10.0), optax.adam(1e-3)))

    # train consumes whole iterations of lcm(num_envs, train_frequency) env steps.
    per_iteration = math.lcm(config.num_envs, config.train_frequency)
    num_steps = max(total_steps // per_iteration, 1) * per_iteration
    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state, logs = agent.train(train_key, agent.init(init_key), num_steps)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 500))
    print(f"DQN on CartPole-v1: train return {episode_return(logs):.1f}, greedy evaluation return {result:.1f}")
    return result


if __name__ == "__main__":
    main()
