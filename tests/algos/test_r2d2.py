"""R2D2 on the RememberBit probe: prioritised by default, uniform with a plain buffer."""

import jax
import numpy as np
import optax
import pytest

from memorax.algorithms import R2D2, R2D2Config
from memorax.buffers import make_episode_buffer

CONFIG = dict(
    num_envs=4, tau=1.0, target_update_frequency=40, train_frequency=10, burn_in_length=2,
    sequence_length=6, n_step=2, priority_exponent=0.9, importance_sampling_exponent=0.6,
    buffer_size=400, batch_size=8, learning_starts=0,
)


@pytest.fixture(scope="module")
def q_network(probes):
    return probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2), recurrent=True)


def test_r2d2__seed_config_trains_and_updates_window_priorities(probes, q_network):
    """4 envs, train_frequency=10: iterations of lcm(4, 10) = 20 env steps with 2 updates each."""
    agent = R2D2(R2D2Config(**CONFIG), probes["RememberBit"](), None, q_network, optax.adam(1e-3))
    state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 40)
    tree = state.buffer_state.sum_tree_state
    leaves = lambda s: np.asarray(s.buffer_state.sum_tree_state.nodes[2**tree.tree_depth - 1 :][: tree.capacity])
    assert set(np.unique(leaves(state))) == {0.0, 1.0}  # complete windows at the running max
    state, logs = agent.train(jax.random.key(2), state, 20)
    assert np.all(np.isfinite(logs["losses/td"]))
    assert len(set(np.unique(leaves(state))) - {0.0, float(state.buffer_state.sum_tree_state.max_recorded_priority)}) > 0


def test_r2d2__trains_with_a_uniform_episode_buffer(probes, q_network):
    config = R2D2Config(**CONFIG)
    buffer = make_episode_buffer(max_length=400, min_length=40, sample_batch_size=8, sample_sequence_length=6, add_batch_size=4)
    agent = R2D2(config, probes["RememberBit"](), None, q_network, optax.adam(1e-3), buffer)
    state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 40)
    state, logs = agent.train(jax.random.key(2), state, 20)
    assert np.all(np.isfinite(logs["losses/td"])) and int(state.step) == 20
