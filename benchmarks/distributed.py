"""Multi-process speed: PPO env steps/s on 1 process x 4 CPU devices versus 2 processes x 2.

Both runs train the same program (GRU actor and critic on gymnax CartPole-v1, 64 envs x
128 steps, 4 epochs x 4 minibatches) with the env axis sharded over the 4 devices; the
2-process run all-reduces through gloo over localhost. Prints one JSON line per layout:
{"name", "config", "value", "unit"}. Run: `uv run python benchmarks/distributed.py [--updates N]`.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time


def worker(num_processes: int, process_id: int, port: str, updates: int) -> None:
    import jax

    from memorax.algorithms import distributed

    if num_processes > 1:
        distributed.initialize(f"127.0.0.1:{port}", num_processes=num_processes, process_id=process_id)
    import flax.linen as nn
    import optax

    from memorax.algorithms import PPO, PPOConfig
    from memorax.environments import make
    from memorax.environments.wrappers import RecordEpisodeStatistics
    from memorax.networks import MLP, RNN, FeatureExtractor, Network, heads

    env, env_params = make("gymnax::CartPole-v1")

    def network(head: nn.Module) -> Network:
        encoder = FeatureExtractor(observation_extractor=MLP(features=(64, 64)))
        return Network(encoder, torso=RNN(cell=nn.GRUCell(features=64)), head=head)

    config = PPOConfig(num_envs=64, num_steps=128, num_minibatches=4, update_epochs=4)
    agent = PPO(config, RecordEpisodeStatistics(env), env_params, network(heads.Categorical(action_dim=2)),
                network(heads.VNetwork()), optax.adam(2.5e-4), optax.adam(2.5e-4))  # fmt: skip
    state = distributed.init(agent, jax.random.key(0), distributed.data_mesh())
    num_steps = updates * config.batch_size
    start = time.perf_counter()
    state, logs = agent.train(jax.random.key(1), state, num_steps)
    jax.block_until_ready(state)
    compile_and_run = time.perf_counter() - start
    start = time.perf_counter()
    state, logs = agent.train(jax.random.key(2), state, num_steps)
    jax.block_until_ready(state)
    elapsed = time.perf_counter() - start
    if distributed.is_main_process():
        layout = f"{num_processes}x{jax.local_device_count()}"
        config = {"layout": layout, "num_envs": 64, "torso": "gru", "updates": updates}
        print(json.dumps({"name": "ppo/distributed", "config": config, "value": round(num_steps / elapsed),
                          "unit": "steps/s"}), flush=True)  # fmt: skip
        print(json.dumps({"name": "ppo/distributed_first_call", "config": config,
                          "value": round(compile_and_run, 2), "unit": "s"}), flush=True)  # fmt: skip


def launch(num_processes: int, devices: int, updates: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    processes = [
        subprocess.Popen([sys.executable, __file__, "--worker", str(num_processes), str(index), port,
                          "--updates", str(updates)], env=env)  # fmt: skip
        for index in range(num_processes)
    ]
    if any(process.wait() for process in processes):
        raise SystemExit("a worker failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--worker", nargs=3, metavar=("NUM_PROCESSES", "PROCESS_ID", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        num_processes, process_id, port = args.worker
        worker(int(num_processes), int(process_id), port, args.updates)
        return
    launch(1, 4, args.updates)
    launch(2, 2, args.updates)


if __name__ == "__main__":
    main()
