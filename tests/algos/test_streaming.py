"""Eligibility traces and ObGD (Elsayed et al. 2024) against hand-computed arrays."""

import jax.numpy as jnp
import numpy as np

from memorax.algorithms._streaming import accumulate_traces, obgd_step_size, obgd_update, zero_traces


def test_traces__decay_and_accumulate_per_env_and_restart_at_episode_starts():
    traces = {"w": jnp.array([[1.0, -2.0], [3.0, 4.0]])}
    grads = {"w": jnp.array([[0.5, 0.5], [1.0, 1.0]])}
    decay = 0.9 * 0.8 * (1.0 - jnp.array([0.0, 1.0]))  # env 1 starts an episode
    out = accumulate_traces(traces, grads, decay)
    np.testing.assert_allclose(out["w"], [[0.72 * 1.0 + 0.5, 0.72 * -2.0 + 0.5], [1.0, 1.0]], rtol=1e-6)


def test_zero_traces__one_per_env_shaped_like_the_params():
    traces = zero_traces({"a": jnp.ones((3, 2)), "b": jnp.ones(())}, 4)
    assert traces["a"].shape == (4, 3, 2) and traces["b"].shape == (4,)
    assert not np.any(traces["a"])


def test_obgd__full_step_when_the_bound_is_loose_and_a_shrunk_step_when_it_binds():
    traces = {"w": jnp.array([[0.1, -0.1], [2.0, -3.0]])}  # ||z||_1 = 0.2 and 5
    delta = jnp.array([0.5, -4.0])
    step = obgd_step_size(delta, traces, 1.0, 2.0)
    # env 0: 1 * 2 * max(0.5, 1) * 0.2 = 0.4 < 1 -> step 1; env 1: 1 * 2 * 4 * 5 = 40 -> 1 / 40
    np.testing.assert_allclose(step, [1.0, 1.0 / 40.0], rtol=1e-6)


def test_obgd__update_is_the_mean_of_each_envs_bounded_step():
    params = {"w": jnp.array([1.0, 1.0])}
    traces = {"w": jnp.array([[0.1, -0.1], [2.0, -3.0]])}
    delta = jnp.array([0.5, -4.0])
    new, step = obgd_update(params, traces, delta, 1.0, 2.0)
    expected = 1.0 + 0.5 * (1.0 * 0.5 * np.array([0.1, -0.1]) + (1.0 / 40.0) * -4.0 * np.array([2.0, -3.0]))
    np.testing.assert_allclose(new["w"], expected, rtol=1e-6)
    # Here the linear prediction change step * |delta| * z . z stays within |delta| / kappa.
    change = step[1] * np.abs(delta[1]) * np.sum(np.square([2.0, -3.0]))
    assert change <= np.abs(delta[1]) / 2.0 + 1e-6
