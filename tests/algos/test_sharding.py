"""Data-parallel training: the state sharded over the env axis on 2 CPU devices gives the unsharded result
(PPO with GRUs; R2D2, whose prioritised buffer keeps one replicated sum tree over every env's windows)."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import jax
import numpy as np
import optax
from jax.sharding import PartitionSpec

from conftest import RememberBit, make_network
from memorax.algorithms import PPO, R2D2, PPOConfig, R2D2Config, distributed
from memorax.networks import heads

assert jax.device_count() == 2, jax.devices()
config = PPOConfig(num_envs=4, num_steps=8, num_minibatches=2, update_epochs=2)
agent = PPO(config, RememberBit(), None, make_network(heads.Categorical(action_dim=2), recurrent=True),
            make_network(heads.VNetwork(), recurrent=True), optax.adam(1e-2), optax.adam(1e-2))
state = agent.init(jax.random.key(0))

mesh = distributed.data_mesh()
sharded = jax.device_put(state, distributed.state_sharding(state, mesh))
assert sharded.timestep.observation.sharding.spec == PartitionSpec("envs")

expected, expected_logs = agent.train(jax.random.key(1), state, 4 * 32)
with jax.set_mesh(mesh):  # each minibatch split over the devices, the gradients all-reduced
    result, logs = agent.train(jax.random.key(1), sharded, 4 * 32)
    split = agent._jitted_train.lower(jax.random.key(1), sharded, 4 * 32).compile().cost_analysis()["flops"]
replicated = agent._jitted_train.lower(jax.random.key(1), sharded, 4 * 32).compile().cost_analysis()["flops"]
assert split < 0.75 * replicated, (split, replicated)  # per-device work: the SGD splits, not only the envs
assert len(result.actor_carry.sharding.device_set) == 2
close = lambda a, b: np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
jax.tree.map(close, result.actor_params, expected.actor_params)
jax.tree.map(close, result.critic_params, expected.critic_params)
close(logs["losses/critic"], expected_logs["losses/critic"])
close(logs["episode/return"], expected_logs["episode/return"])

r2d2 = R2D2(R2D2Config(num_envs=4, train_frequency=4, burn_in_length=2, sequence_length=6, n_step=2,
                       buffer_size=160, batch_size=8, learning_starts=0, target_update_frequency=16),
            RememberBit(), None, make_network(heads.DiscreteQNetwork(action_dim=2), recurrent=True), optax.adam(1e-3))
state = r2d2.warmup(jax.random.key(1), r2d2.init(jax.random.key(0)), 24)
shardings = distributed.state_sharding(state, mesh)
assert shardings.buffer_state.experience.next_observation.spec == PartitionSpec("envs")
assert shardings.buffer_state.sum_tree_state.nodes.spec == PartitionSpec()  # windows of every env in one tree
expected, expected_logs = r2d2.train(jax.random.key(2), state, 16)
result, logs = r2d2.train(jax.random.key(2), jax.device_put(state, shardings), 16)
assert result.buffer_state.experience.next_observation.sharding.spec == PartitionSpec("envs")
jax.tree.map(close, result.params, expected.params)
close(logs["losses/td"], expected_logs["losses/td"])
print("SHARDED-OK")
"""


def test_ppo_and_r2d2__train_on_env_sharded_state_matches_unsharded():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "SHARDED-OK" in completed.stdout
