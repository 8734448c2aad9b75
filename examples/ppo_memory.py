"""PPO with a GRU on a memory task that a memoryless policy cannot solve.

memorax::RepeatPreviousEasy: name the card shown 2 steps ago. A memoryless policy scores
at best -0.5, perfect memory 1. Run: `uv run python examples/ppo_memory.py`.
"""

import flax.linen as nn
import jax
import optax

from memorax.algorithms import PPO, PPOConfig
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, RNN, FeatureExtractor, Network, heads

TOTAL_STEPS = 65_536


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("memorax::RepeatPreviousEasy")
    env = RecordEpisodeStatistics(env)
    num_actions = env.action_space(env_params).n

    def network(head: nn.Module) -> Network:
        encoder = FeatureExtractor(observation_extractor=MLP(features=(64,)))
        return Network(encoder, torso=RNN(cell=nn.GRUCell(features=64)), head=head)

    config = PPOConfig(num_envs=16, num_steps=64, num_minibatches=4, update_epochs=4, entropy_coefficient=0.01)
    agent = PPO(config, env, env_params, network(heads.Categorical(action_dim=num_actions)),
                network(heads.VNetwork()), optax.adam(3e-3), optax.adam(3e-3))

    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state = agent.init(init_key)
    num_steps = max(total_steps // config.batch_size, 1) * config.batch_size
    state, logs = agent.train(train_key, state, num_steps)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 64))
    print(f"PPO+GRU on RepeatPreviousEasy: train return {episode_return(logs):.3f}, evaluation return {result:.3f}")
    return result


if __name__ == "__main__":
    main()
