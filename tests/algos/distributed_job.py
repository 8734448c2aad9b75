"""One process of the multi-process tests (run by test_distributed.py, not collected).

``python distributed_job.py NUM_PROCESSES PROCESS_ID PORT OUT.npz``: trains a recurrent
PPO and a DQN with the env axis sharded over every device of every process,
and (process 0 only) saves their final parameters and losses to ``OUT.npz``.
"""

import sys

import jax

from memorax.algorithms import distributed

num_processes, process_id, port, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
if num_processes > 1:
    distributed.initialize(f"127.0.0.1:{port}", num_processes=num_processes, process_id=process_id)

import numpy as np  # noqa: E402
from jax.sharding import PartitionSpec  # noqa: E402
import optax  # noqa: E402
from conftest import RememberBit, make_network  # noqa: E402

from memorax.algorithms import DQN, PPO, DQNConfig, PPOConfig  # noqa: E402
from memorax.networks import heads  # noqa: E402

assert jax.device_count() == 4 and jax.process_count() == num_processes, (jax.devices(), jax.process_count())
mesh = distributed.data_mesh()
jax.set_mesh(mesh)  # minibatches split over the devices
results = {}

ppo = PPO(
    PPOConfig(num_envs=8, num_steps=8, num_minibatches=2, update_epochs=2), RememberBit(), None,
    make_network(heads.Categorical(action_dim=2), recurrent=True), make_network(heads.VNetwork(), recurrent=True),
    optax.adam(1e-2), optax.adam(1e-2),
)  # fmt: skip
state = distributed.init(ppo, jax.random.key(0), mesh)
# each process holds the envs of its own devices only: 2 of the 4 shards with 2 processes
assert len(state.timestep.observation.addressable_shards) == 4 // num_processes
assert state.timestep.observation.sharding.spec == PartitionSpec("envs")
for update in range(2):
    state, logs = ppo.train(jax.random.key(1 + update), state, 8 * 16)
results["ppo/critic_loss"] = distributed.to_host(logs)["losses/critic"]
for index, leaf in enumerate(jax.tree.leaves(distributed.to_host(state.actor_params))):
    results[f"ppo/actor/{index}"] = leaf

dqn = DQN(
    DQNConfig(num_envs=8, train_frequency=8, buffer_size=800, batch_size=16, learning_starts=64,
              target_update_frequency=32),
    RememberBit(), None, make_network(heads.DiscreteQNetwork(action_dim=2)), optax.adam(1e-3),
)  # fmt: skip
state = distributed.init(dqn, jax.random.key(0), mesh)
assert state.buffer_state.experience.next_observation.sharding.spec == PartitionSpec("envs")  # each device replays its own envs
state = dqn.warmup(jax.random.key(1), state, 64)
state, logs = dqn.train(jax.random.key(2), state, 128)
results["dqn/td_loss"] = distributed.to_host(logs)["losses/td"]
for index, leaf in enumerate(jax.tree.leaves(distributed.to_host(state.params))):
    results[f"dqn/q/{index}"] = leaf

try:
    distributed.state_sharding(jax.eval_shape(PPO(
        PPOConfig(num_envs=6, num_steps=8, num_minibatches=2), RememberBit(), None,
        make_network(heads.Categorical(action_dim=2)), make_network(heads.VNetwork()), optax.adam(1e-2),
        optax.adam(1e-2)).init, jax.random.key(0)), mesh)  # fmt: skip
    raise AssertionError("6 envs on 4 devices was accepted")
except ValueError as error:
    assert "multiple of 4" in str(error), error

if distributed.is_main_process():
    np.savez(output, **{key: np.asarray(value) for key, value in results.items()})
print(f"process {process_id} of {num_processes}: DISTRIBUTED-OK", flush=True)
