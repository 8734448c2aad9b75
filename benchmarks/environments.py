"""Environment speed: steps per second of every built-in memory task and of gymnax CartPole.

Each environment runs under ``jax.jit(jax.vmap(...))`` at 1, 64 and 1024 envs: a
``lax.scan`` of ``--steps`` auto-resetting steps with random actions, timed after a
compile call (median of ``--repeats`` runs). Prints one JSON line per measurement:
{"name", "config", "value", "unit"} with value = env steps per second summed over envs.

    uv run python benchmarks/environments.py [--steps 1000] [--repeats 3] [--ids memorax::TMazeEasy ...]
"""

import argparse
import json
import statistics
import time

import jax

from memorax.environments import make
from memorax.environments.tasks import registry

NUM_ENVS = (1, 64, 1024)


def rollout_function(env, params, num_envs: int, num_steps: int):
    """A jitted function running ``num_steps`` random-action steps in ``num_envs`` envs."""
    space = env.action_space(params)

    def run(key):
        reset_key, scan_key = jax.random.split(key)
        _, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(reset_key, num_envs), params)

        def body(state, key):
            action_key, step_key = jax.random.split(key)
            actions = jax.vmap(space.sample)(jax.random.split(action_key, num_envs))
            _, state, reward, *_ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(step_key, num_envs), state, actions, params
            )
            return state, reward.sum()

        # return the final state too: a reward that ignores the state (cart-pole's constant
        # reward) would otherwise let XLA drop the dynamics as dead code
        state, rewards = jax.lax.scan(body, state, jax.random.split(scan_key, num_steps))
        return state, rewards.sum()

    return jax.jit(run)


def measure(env_id: str, num_envs: int, num_steps: int, repeats: int) -> float:
    env, params = make(env_id)
    run = rollout_function(env, params, num_envs, num_steps)
    jax.block_until_ready(run(jax.random.key(0)))  # compile
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(run(jax.random.key(repeat + 1)))
        times.append(time.perf_counter() - start)
    return num_envs * num_steps / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="steps per env per timed call")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ids", nargs="*", default=[f"memorax::{i}" for i in registry.ids()] + ["gymnax::CartPole-v1"])
    args = parser.parse_args()
    for env_id in args.ids:
        for num_envs in NUM_ENVS:
            value = measure(env_id, num_envs, args.steps, args.repeats)
            config = {"num_envs": num_envs, "steps": args.steps, "backend": jax.default_backend()}
            print(json.dumps({"name": env_id, "config": config, "value": round(value), "unit": "steps/s"}), flush=True)


if __name__ == "__main__":
    main()
