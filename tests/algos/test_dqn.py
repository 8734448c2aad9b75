"""DQN and the replay loop it shares with R2D2 and SAC, on the RememberBit probe."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from memorax.algorithms import DQN, DQNConfig, StepCount
from memorax.algorithms._network import apply_sequence
from memorax.buffers import make_episode_buffer

NUM_ENVS = 4


@pytest.fixture(scope="module")
def recurrent_agent(probes):
    config = DQNConfig(
        num_envs=NUM_ENVS, target_update_frequency=24, train_frequency=2, burn_in_length=2,
        sequence_length=3, n_step=2, buffer_size=400, batch_size=8, learning_starts=0,
    )
    q_network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2), recurrent=True)
    return DQN(config, probes["RememberBit"](), None, q_network, optax.adam(1e-3))


@pytest.fixture(scope="module")
def warmed(recurrent_agent):
    state = recurrent_agent.init(jax.random.key(0))
    return recurrent_agent.warmup(jax.random.key(1), state, 40)


def test_dqn__seed_snippet_runs_with_default_buffer_and_schedule(probes):
    config = DQNConfig(num_envs=8, tau=1.0, target_update_frequency=1000, train_frequency=4, burn_in_length=0)
    q_network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2))
    agent = DQN(config, probes["RememberBit"](), None, q_network, optax.adam(3e-4))
    state, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 64)
    assert int(logs["step"]) == 64 and logs["losses/td"].shape == (8,)
    assert agent.buffer.sample_sequence_length == 1 and agent.buffer.add_batch_size == 8


def test_dqn__warmup_fills_replay_without_moving_the_step(recurrent_agent, warmed):
    assert int(warmed.step) == 0
    assert int(warmed.buffer_state.current_index) == 40 // NUM_ENVS


def test_dqn__stored_carry_is_the_carry_before_each_step(recurrent_agent, warmed):
    """Unrolling a sampled window from its first stored carry reproduces every later stored carry."""
    window = recurrent_agent.buffer.sample(warmed.buffer_state, jax.random.key(2)).experience
    carry = jax.tree.map(lambda x: x[:, 0], window.carry)
    for t in range(window.reward.shape[1] - 1):
        step = jax.tree.map(lambda x: x[:, t : t + 1], window.timestep)
        carry, _ = apply_sequence(recurrent_agent.q_network, warmed.params, step, carry)
        np.testing.assert_allclose(carry, window.carry[:, t + 1], rtol=1e-5, atol=1e-6)


def test_dqn__train_compiles_once_and_evaluate_leaves_replay_alone(recurrent_agent, warmed):
    state, logs = recurrent_agent.train(jax.random.key(3), warmed, 8)
    state, logs = recurrent_agent.train(jax.random.key(4), state, 8)
    assert recurrent_agent._jitted_train._cache_size() == 1
    assert int(logs["step"]) == 16 and np.all(np.isfinite(logs["losses/td"]))
    before = jax.tree.map(np.asarray, state)
    eval_logs = recurrent_agent.evaluate(jax.random.key(5), state, 40)
    assert int(eval_logs["step"]) == 16 and eval_logs["episode/done"].shape == (10, NUM_ENVS)
    jax.tree.map(np.testing.assert_array_equal, before, jax.tree.map(np.asarray, state))


def test_dqn__target_network_follows_the_period_in_env_steps(recurrent_agent, warmed):
    """Period 24 env steps, 8 per iteration: the target is a copy exactly after steps 24, 48, ..."""
    state = warmed
    for _ in range(3):
        state, _ = recurrent_agent.train(jax.random.key(6), state, 8)
    same = lambda a, b: all(jax.tree.leaves(jax.tree.map(lambda x, y: bool(jnp.all(x == y)), a, b)))
    assert int(state.step) == 24 and same(state.params, state.target_params)
    state, _ = recurrent_agent.train(jax.random.key(7), state, 8)
    assert not same(state.params, state.target_params)


def test_dqn__trains_across_the_int32_step_boundary(recurrent_agent, warmed):
    """At 2**31 - 8 env steps (a multiple of the period 24) the counter passes int32's wrap
    exactly: the target is a copy exactly 24 steps later, and logs["step"] stays right."""
    start = 2**31 - 8
    state = warmed.replace(step=StepCount.of(start))
    same = lambda a, b: all(jax.tree.leaves(jax.tree.map(lambda x, y: bool(jnp.all(x == y)), a, b)))
    for call in range(1, 4):
        state, logs = recurrent_agent.train(jax.random.key(10 + call), state, 8)
        assert int(state.step) == start + 8 * call
        assert float(logs["step"]) == np.float32(start + 8 * call) and np.all(np.isfinite(logs["losses/td"]))
        assert same(state.params, state.target_params) == (call == 3)


def test_dqn__budget_not_a_multiple_of_an_iteration_rounds_up(recurrent_agent, warmed):
    vector_steps, _ = recurrent_agent._iteration
    per_iteration = vector_steps * NUM_ENVS
    state, logs = recurrent_agent.train(jax.random.key(12), warmed, per_iteration + 1)
    assert int(state.step) == 2 * per_iteration and float(logs["step"]) == 2 * per_iteration
    with pytest.raises(ValueError, match=r"num_steps=0 must be > 0"):
        recurrent_agent.train(jax.random.key(12), warmed, 0)


def test_dqn__trains_many_seeds_with_vmap(recurrent_agent):
    states = jax.vmap(recurrent_agent.init)(jax.random.split(jax.random.key(8), 2))
    states, logs = jax.vmap(recurrent_agent.train, in_axes=(0, 0, None))(jax.random.split(jax.random.key(9), 2), states, 8)
    assert logs["step"].shape == (2,) and states.step.shape == (2,)


def test_dqn__rejects_a_buffer_that_does_not_fit_the_config(probes):
    config = DQNConfig(num_envs=4, n_step=3)
    q_network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2))
    buffer = make_episode_buffer(max_length=400, min_length=8, sample_batch_size=8, sample_sequence_length=1, add_batch_size=4)
    with pytest.raises(ValueError, match="sample_sequence_length=1 must be 3"):
        DQN(config, probes["RememberBit"](), None, q_network, optax.adam(1e-3), buffer)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"tau": 0.0}, "tau"), ({"train_frequency": 0}, "train_frequency"), ({"n_step": 0}, "n_step"), ({"gamma": 1.5}, "gamma")],
)
def test_dqn_config__rejects_bad_fields_naming_them(changes, field):
    with pytest.raises(ValueError, match=f"DQNConfig.{field}"):
        DQNConfig(**changes)


def test_dqn__warmup_transitions_count_towards_learning_starts(probes):
    """The seed's loop: warmup, then train. With learning_starts=40 a first train call on 8
    transitions waits (NaN losses), but after warmup(40) the same call updates."""
    config = DQNConfig(
        num_envs=NUM_ENVS, train_frequency=4, target_update_frequency=8, buffer_size=400, batch_size=8,
        learning_starts=40,
    )
    q_network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2))
    agent = DQN(config, probes["RememberBit"](), None, q_network, optax.adam(1e-3))
    state = agent.init(jax.random.key(0))
    _, logs = agent.train(jax.random.key(1), state, 8)
    assert np.all(np.isnan(logs["losses/td"]))
    _, logs = agent.train(jax.random.key(1), agent.warmup(jax.random.key(2), state, 40), 8)
    assert np.all(np.isfinite(logs["losses/td"]))


def test_dqn__plain_flashbax_buffer_is_refused_with_the_fix(probes):
    import flashbax

    buffer = flashbax.make_trajectory_buffer(
        add_batch_size=NUM_ENVS, sample_batch_size=8, sample_sequence_length=1, period=1,
        min_length_time_axis=1, max_length_time_axis=100,
    )
    q_network = probes["make_network"](probes["heads"].DiscreteQNetwork(action_dim=2))
    with pytest.raises(TypeError, match="memorax.buffers.make_episode_buffer"):
        DQN(DQNConfig(num_envs=NUM_ENVS, learning_starts=0), probes["RememberBit"](), None, q_network, optax.adam(1e-3), buffer)
