"""PPO speed: env steps per second of the jitted ``train`` and its compile time.

PPO with MLP and GRU torsos on gymnax CartPole-v1 at 64 and 512 envs, 128 steps per
rollout, 4 epochs, 4 minibatches; each with a separate actor and critic and with one
shared-torso network (``heads.ActorCritic``, ``critic=None``). Prints one JSON line per measurement:
{"name", "config", "value", "unit"}. Run: `uv run python benchmarks/ppo.py [--updates N]`.
"""

import argparse
import json
import time

import flax.linen as nn
import jax
import optax

from memorax.algorithms import PPO, PPOConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, RNN, FeatureExtractor, Network, heads


def build(torso: str, num_envs: int, shared: bool) -> PPO:
    env, env_params = make("gymnax::CartPole-v1")

    def network(head: nn.Module) -> Network:
        recurrent = RNN(cell=nn.GRUCell(features=64)) if torso == "gru" else None
        return Network(FeatureExtractor(observation_extractor=MLP(features=(64, 64))), torso=recurrent, head=head)

    config = PPOConfig(num_envs=num_envs, num_steps=128, num_minibatches=4, update_epochs=4)
    if shared:
        head = heads.ActorCritic(policy=heads.Categorical(action_dim=2), value=heads.VNetwork())
        return PPO(config, RecordEpisodeStatistics(env), env_params, network(head), None, optax.adam(2.5e-4), None)
    return PPO(config, RecordEpisodeStatistics(env), env_params, network(heads.Categorical(action_dim=2)),
               network(heads.VNetwork()), optax.adam(2.5e-4), optax.adam(2.5e-4))


def measure(torso: str, num_envs: int, shared: bool, updates: int) -> None:
    agent = build(torso, num_envs, shared)
    num_steps = updates * agent.config.batch_size
    state = agent.init(jax.random.key(0))
    start = time.perf_counter()
    compiled = agent._jitted_train.lower(jax.random.key(1), state, num_steps).compile()
    compile_seconds = time.perf_counter() - start
    jax.block_until_ready(compiled(jax.random.key(1), state))  # warm-up run (num_steps is baked in)
    start = time.perf_counter()
    jax.block_until_ready(compiled(jax.random.key(2), state))
    steps_per_second = num_steps / (time.perf_counter() - start)
    config = {"torso": torso, "shared": shared, "num_envs": num_envs, "num_steps": 128, "update_epochs": 4, "num_minibatches": 4,
              "updates_per_call": updates, "env": "gymnax::CartPole-v1", "backend": jax.default_backend()}
    print(json.dumps({"name": "ppo/train_throughput", "config": config, "value": steps_per_second, "unit": "env_steps/s"}))
    print(json.dumps({"name": "ppo/compile_time", "config": config, "value": compile_seconds, "unit": "s"}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=8, help="updates per timed train call")
    args = parser.parse_args()
    for torso in ("mlp", "gru"):
        for num_envs in (64, 512):
            for shared in (False, True):
                measure(torso, num_envs, shared, args.updates)


if __name__ == "__main__":
    main()
