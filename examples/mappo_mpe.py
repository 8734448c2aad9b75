"""MAPPO with shared parameters and a centralised critic on JaxMARL's MPE simple spread.

Three agents must cover three landmarks without colliding. Needs the jaxmarl extra
(`pip install "memorax[jaxmarl]"`). Run: `uv run python examples/mappo_mpe.py`.
"""

import flax.linen as nn
import jax
import optax

from memorax.algorithms import MAPPO, MAPPOConfig
from memorax.core import episode_return
from memorax.environments import make
from memorax.environments.wrappers import MultiAgentRecordEpisodeStatistics
from memorax.networks import MLP, FeatureExtractor, Network, heads

TOTAL_STEPS = 199_680


def main(total_steps: int = TOTAL_STEPS, seed: int = 0) -> float:
    env, env_params = make("jaxmarl::MPE_simple_spread_v3")
    env = MultiAgentRecordEpisodeStatistics(env)

    def network(head: nn.Module) -> Network:
        return Network(FeatureExtractor(observation_extractor=MLP(features=(64, 64), activation=nn.tanh)), head=head)

    config = MAPPOConfig(num_envs=32, num_steps=52, num_minibatches=4, update_epochs=4, centralised_critic=True)
    num_updates = max(total_steps // config.batch_size, 1)
    learning_rate = optax.linear_schedule(2.5e-3, 0.0, num_updates * config.update_epochs * config.num_minibatches)
    optimizer = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(learning_rate))
    agent = MAPPO(config, env, env_params, network(heads.Categorical(action_dim=env.action_space(env_params).n)),
                  network(heads.VNetwork()), optimizer, optimizer)

    init_key, train_key, eval_key = jax.random.split(jax.random.key(seed), 3)
    state, logs = agent.train(train_key, agent.init(init_key), num_updates * config.batch_size)
    result = episode_return(agent.evaluate(eval_key, state, config.num_envs * 100))
    print(f"MAPPO on simple spread: train return {episode_return(logs):.2f}, evaluation return {result:.2f} per agent")
    return result


if __name__ == "__main__":
    main()
