"""Throughput of the off-policy algorithms and the replay buffers (JSON lines).

Prints ``{"name", "config", "value", "unit"}`` per measurement: env steps per second of
jitted ``train`` for DQN (MLP) and R2D2 (GRU, and Memoroid(LRU)) on gymnax CartPole-v1 at
16 and 128 envs (compile excluded), and buffer add / sample rates.

Both do one update per vector step, but not the same learning per update: DQN learns
from 128 one-step transitions, R2D2 from 32 windows of 26 steps (8 burn-in, forward only,
and 18 learning steps, forward and backward), plus a target unroll of all 26. Each
``train`` line's config says ``learned_per_update`` (transitions in the loss) so that
rates can be read per learned transition; ``r2d2_train_matched`` repeats R2D2 with 7
windows per update (126 learned transitions, as DQN's 128) to compare at equal replay
ratio. Run: ``uv run python benchmarks/off_policy.py``.
"""

import json
import time

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms import DQN, R2D2, DQNConfig, R2D2Config
from memorax.buffers import make_episode_buffer, make_prioritised_episode_buffer
from memorax.environments import make
from memorax.networks import MLP, RNN, FeatureExtractor, LRUCell, LRUConfig, Memoroid, Network, heads

TORSOS = {
    "gru64": lambda: RNN(cell=nn.GRUCell(features=64)),
    "lru64": lambda: Memoroid(cell=LRUCell(config=LRUConfig(features=64, hidden_dim=64))),
}


def emit(name: str, config: dict, value: float, unit: str) -> None:
    print(json.dumps({"name": name, "config": config, "value": round(value, 1), "unit": unit}), flush=True)


def timed(fn, *args) -> float:
    jax.block_until_ready(fn(*args))
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - start


def train_rate(agent, num_steps: int) -> float:
    state = agent.init(jax.random.key(0))
    return num_steps / timed(lambda: agent.train(jax.random.key(1), state, num_steps))


def q_network(torso):
    return Network(FeatureExtractor(observation_extractor=MLP(features=(64,))), torso=torso, head=heads.DiscreteQNetwork(action_dim=2))


def main() -> None:
    env, params = make("gymnax::CartPole-v1")
    for num_envs in (16, 128):
        config = DQNConfig(num_envs=num_envs, train_frequency=num_envs, batch_size=128, learning_starts=0)
        num_steps = num_envs * 256
        emit("dqn_train", {"num_envs": num_envs, "torso": "mlp", "num_steps": num_steps, "learned_per_update": 128},
             train_rate(DQN(config, env, params, q_network(MLP(features=(64,))), optax.adam(1e-3)), num_steps), "env_steps/s")
        for name, batch_size in (("r2d2_train", 32), ("r2d2_train_matched", 7)):
            config = R2D2Config(num_envs=num_envs, train_frequency=num_envs, burn_in_length=8, sequence_length=26,
                                n_step=3, batch_size=batch_size, learning_starts=0)
            for torso, build in TORSOS.items():
                case = {"num_envs": num_envs, "torso": torso, "num_steps": num_steps, "batch_size": batch_size,
                        "learned_per_update": batch_size * config.learning_steps}
                emit(name, case, train_rate(R2D2(config, env, params, q_network(build()), optax.adam(1e-3)), num_steps),
                     "env_steps/s")
    item = {"obs": jnp.zeros(16), "carry": jnp.zeros(64), "action": jnp.int32(0)}
    for prioritised in (False, True):
        maker = make_prioritised_episode_buffer if prioritised else make_episode_buffer
        buffer = maker(max_length=100_000, min_length=1000, sample_batch_size=32, sample_sequence_length=26, add_batch_size=16)
        state = buffer.init(item)
        batch = jax.tree.map(lambda x: jnp.broadcast_to(x, (16, 1000, *x.shape)), item)
        add_many = jax.jit(lambda s: jax.lax.scan(lambda s, x: (buffer.add(s, x), None), s, jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), batch))[0])
        state = add_many(state)
        config = {"prioritised": prioritised, "add_batch_size": 16, "max_length": 100_000, "window": 26}
        emit("buffer_add", config, 16 * 1000 / timed(add_many, state), "steps/s")
        sample_many = jax.jit(lambda s: jax.lax.scan(lambda c, k: (c, buffer.sample(s, k).experience["obs"].sum()), 0, jax.random.split(jax.random.key(0), 100))[1])
        emit("buffer_sample", {**config, "sample_batch_size": 32}, 100 / timed(sample_many, state), "batches/s")


if __name__ == "__main__":
    main()
