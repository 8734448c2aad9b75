"""Data-parallel training: the state sharded over the env axis on 2 CPU devices gives the unsharded result."""

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
from memorax.algorithms import PPO, PPOConfig, distributed
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
result, logs = agent.train(jax.random.key(1), sharded, 4 * 32)
assert len(result.actor_carry.sharding.device_set) == 2
close = lambda a, b: np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
jax.tree.map(close, result.actor_params, expected.actor_params)
jax.tree.map(close, result.critic_params, expected.critic_params)
close(logs["losses/critic"], expected_logs["losses/critic"])
close(logs["episode/return"], expected_logs["episode/return"])
print("SHARDED-OK", result.actor_carry.sharding)
"""


def test_ppo__train_on_env_sharded_state_matches_unsharded():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "SHARDED-OK" in completed.stdout
