"""PQN (on-policy Q(lambda), no target network, no replay) on CartPole.

Run: `uv run python examples/pqn_cartpole.py`.
"""

import flax.linen as nn
import jax
import optax

from memorax.algorithms import PQN, PQNConfig
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, FeatureExtractor, Network, heads

TOTAL_STEPS = 245_760


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("gymnax::CartPole-v1")
    env = RecordEpisodeStatistics(env)
    config = PQNConfig(num_envs=32, num_steps=16, num_minibatches=4, update_epochs=4, epsilon_decay_steps=30_000)
    num_updates = max(total_steps // config.batch_size, 1)
    learning_rate = optax.linear_schedule(2.5e-3, 0.0, num_updates * config.update_epochs * config.num_minibatches)
    q_network = Network(
        FeatureExtractor(observation_extractor=MLP(features=(64, 64), activation=nn.relu)),
        head=heads.DiscreteQNetwork(action_dim=env.action_space(env_params).n),
    )
    agent = PQN(config, env, env_params, q_network, optax.chain(optax.clip_by_global_norm(10.0), optax.adam(learning_rate)))

    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state, logs = agent.train(train_key, agent.init(init_key), num_updates * config.batch_size)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 500))
    print(f"PQN on CartPole-v1: train return {episode_return(logs):.1f}, greedy evaluation return {result:.1f}")
    return result


if __name__ == "__main__":
    main()
