"""SAC (twin Q, learned temperature) with MLPs on Pendulum.

Run: `uv run python examples/sac_pendulum.py`.
"""

import math

import flax.linen as nn
import jax
import optax

from memorax.algorithms import SAC, SACConfig
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, FeatureExtractor, Network, heads

TOTAL_STEPS = 16_000


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("gymnax::Pendulum-v1")
    env = RecordEpisodeStatistics(env)
    action_dim = env.action_space(env_params).shape[0]
    config = SACConfig(
        num_envs=4, tau=0.005, train_frequency=2, target_update_frequency=1, target_entropy_scale=1.0,
        buffer_size=50_000, batch_size=128, learning_starts=2_000,
    )

    def network(head: nn.Module, features: tuple[int, ...]) -> Network:
        return Network(FeatureExtractor(observation_extractor=MLP(features=features, activation=nn.relu)), head=head)

    actor = network(heads.SquashedGaussian(action_dim=action_dim), (128, 128))
    critic = network(heads.TwinContinuousQNetwork(hidden_features=(128, 128)), (64,))
    agent = SAC(
        config, env, env_params, actor, critic, heads.Alpha(),
        optax.adam(1e-3), optax.adam(1e-3), optax.adam(1e-3),
    )

    per_iteration = math.lcm(config.num_envs, config.train_frequency)
    num_steps = max(total_steps // per_iteration, 1) * per_iteration
    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state, logs = agent.train(train_key, agent.init(init_key), num_steps)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 200))
    print(f"SAC on Pendulum-v1: train return {episode_return(logs):.1f}, deterministic evaluation return {result:.1f}")
    return result


if __name__ == "__main__":
    main()
