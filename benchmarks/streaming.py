"""Streaming and gradient-TD algorithms' speed: env steps per second of the jitted ``train``.

StreamAC (MLP, and an ``RTRL(RNN(RTUCell))`` torso) and QRC (MLP) update on every vector
step, so their throughput is per-step gradient work; GradientPPO (MLP and GRU) runs
PPO-style rollouts and epochs on ``truncation_length`` chunks. All on gymnax
CartPole-v1. Prints one JSON line per measurement: {"name", "config", "value", "unit"}.
Run: `uv run python benchmarks/streaming.py [--steps N] [--num-envs 1 8 64]`.
"""

import argparse
import json
import time

import flax.linen as nn
import jax
import optax

from memorax.algorithms import QRC, GradientPPO, GradientPPOConfig, QRCConfig, StreamAC, StreamACConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import MLP, RNN, RTRL, FeatureExtractor, Network, RTUCell, heads


def network(head: nn.Module, torso: str) -> Network:
    torsos = {"mlp": None, "gru": RNN(cell=nn.GRUCell(features=64)),
              "rtrl_rtu": RTRL(RNN(cell=RTUCell(features=64, hidden_dim=64)))}
    return Network(FeatureExtractor(observation_extractor=MLP(features=(64, 64))), torso=torsos[torso], head=head)


def build(algorithm: str, torso: str, num_envs: int):
    env, env_params = make("gymnax::CartPole-v1")
    env = RecordEpisodeStatistics(env)
    if algorithm == "stream_ac":
        return StreamAC(StreamACConfig(num_envs=num_envs), env, env_params,
                        network(heads.Categorical(action_dim=2), torso), network(heads.VNetwork(), torso))
    if algorithm == "qrc":
        return QRC(QRCConfig(num_envs=num_envs), env, env_params, network(heads.DiscreteQNetwork(action_dim=2), torso),
                   optax.adam(1e-3))
    config = GradientPPOConfig(num_envs=num_envs, num_steps=128, num_minibatches=4, update_epochs=4, truncation_length=16)
    return GradientPPO(config, env, env_params, network(heads.Categorical(action_dim=2), torso),
                       network(heads.VNetwork(), torso), optax.adam(2.5e-4), optax.adam(2.5e-4))


def measure(algorithm: str, torso: str, num_envs: int, steps: int) -> None:
    agent = build(algorithm, torso, num_envs)
    per_call = num_envs * 128 if algorithm == "gradient_ppo" else num_envs
    num_steps = max(steps // per_call, 1) * per_call
    state = agent.init(jax.random.key(0))
    start = time.perf_counter()
    compiled = agent._jitted_train.lower(jax.random.key(1), state, num_steps).compile()
    compile_seconds = time.perf_counter() - start
    jax.block_until_ready(compiled(jax.random.key(1), state))  # warm-up run (num_steps is baked in)
    start = time.perf_counter()
    jax.block_until_ready(compiled(jax.random.key(2), state))
    steps_per_second = num_steps / (time.perf_counter() - start)
    config = {"algorithm": algorithm, "torso": torso, "num_envs": num_envs, "num_steps": num_steps,
              "env": "gymnax::CartPole-v1", "backend": jax.default_backend()}
    print(json.dumps({"name": f"{algorithm}/train_throughput", "config": config, "value": steps_per_second,
                      "unit": "env_steps/s"}))
    print(json.dumps({"name": f"{algorithm}/compile_time", "config": config, "value": compile_seconds, "unit": "s"}),
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per timed train call")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 8, 64])
    args = parser.parse_args()
    for num_envs in args.num_envs:
        for algorithm, torso in (("stream_ac", "mlp"), ("stream_ac", "rtrl_rtu"), ("qrc", "mlp"),
                                 ("gradient_ppo", "mlp"), ("gradient_ppo", "gru")):
            if algorithm == "gradient_ppo" and num_envs < 4:
                continue  # 4 minibatches of whole env rows
            measure(algorithm, torso, num_envs, args.steps)


if __name__ == "__main__":
    main()
