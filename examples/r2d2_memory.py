"""R2D2 with a GRU, prioritised sequence replay and burn-in on a task that needs memory.

memorax::RepeatFirstEasy: repeat the first card of the episode at every step. The best
memoryless policy scores -0.3125, perfect memory 1. Run: `uv run python examples/r2d2_memory.py`.
"""

import math

import flax.linen as nn
import jax
import optax

from memorax.algorithms import R2D2, R2D2Config
from memorax.buffers import make_prioritised_episode_buffer
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, RNN, FeatureExtractor, Network, heads

TOTAL_STEPS = 32_000


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("memorax::RepeatFirstEasy")
    env = RecordEpisodeStatistics(env)
    config = R2D2Config(
        num_envs=16, tau=1.0, target_update_frequency=1000, train_frequency=16, burn_in_length=4,
        sequence_length=14, n_step=3, gamma=0.9, priority_exponent=0.9, importance_sampling_exponent=0.6,
        buffer_size=50_000, batch_size=32, learning_starts=2_000, epsilon_decay_steps=30_000, epsilon_finish=0.02,
    )
    q_network = Network(
        FeatureExtractor(observation_extractor=MLP(features=(64,), activation=nn.relu)),
        torso=RNN(cell=nn.GRUCell(features=64)),
        head=heads.DiscreteQNetwork(action_dim=env.action_space(env_params).n),
    )
    # Windows of sequence_length steps (burn-in first); each starts anywhere, from its stored carry.
    buffer = make_prioritised_episode_buffer(
        max_length=config.buffer_size, min_length=config.batch_size,
        sample_batch_size=config.batch_size,
        sample_sequence_length=config.sequence_length,
        add_batch_size=config.num_envs, priority_exponent=config.priority_exponent,
    )
    epsilon = optax.linear_schedule(1.0, config.epsilon_finish, config.epsilon_decay_steps)
    beta = optax.linear_schedule(config.importance_sampling_exponent, 1.0, total_steps)
    optimizer = optax.chain(optax.clip_by_global_norm(10.0), optax.adam(1e-3))
    agent = R2D2(config, env, env_params, q_network, optimizer, buffer, epsilon, beta)

    per_iteration = math.lcm(config.num_envs, config.train_frequency)
    num_steps = max(total_steps // per_iteration, 1) * per_iteration
    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state, logs = agent.train(train_key, agent.init(init_key), num_steps)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 64))
    print(f"R2D2 on RepeatFirstEasy: train return {episode_return(logs):.3f}, greedy evaluation return {result:.3f}")
    return result


if __name__ == "__main__":
    main()
