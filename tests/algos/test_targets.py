"""Off-policy target math: n-step returns, value rescaling, target-network timing."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.algorithms import StepCount
from memorax.algorithms._targets import (
    inverse_value_rescale,
    n_step_bootstrap,
    n_step_returns,
    target_updates,
    update_target,
    value_rescale,
)


def reference_n_step(reward, terminated, truncated, next_value, gamma, n, shorten=False):
    """Sum rewards for up to n steps; stop at an episode end (bootstrap only if truncated).
    With ``shorten`` every start gets a target, its horizon cut to the steps left."""
    out = []
    for t in range(len(reward) if shorten else len(reward) - n + 1):
        total, scale = 0.0, 1.0
        horizon = min(n, len(reward) - t)
        for k in range(horizon):
            total += scale * reward[t + k]
            if terminated[t + k]:
                break
            if truncated[t + k] or k == horizon - 1:
                total += scale * gamma * next_value[t + k]
                break
            scale *= gamma
        out.append(total)
    return np.asarray(out)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    length=st.integers(1, 9),
    gamma=st.floats(0.0, 1.0),
)
def test_n_step_returns__match_step_by_step_reference(data, length, gamma):
    n = data.draw(st.integers(1, length))
    floats = st.lists(st.floats(-5, 5), min_size=length, max_size=length)
    flags = st.lists(st.booleans(), min_size=length, max_size=length)
    reward, next_value = np.asarray(data.draw(floats)), np.asarray(data.draw(floats))
    terminated, truncated = np.asarray(data.draw(flags)), np.asarray(data.draw(flags))
    truncated &= ~terminated
    discount = gamma * (1.0 - terminated)
    got = n_step_returns(
        jnp.asarray(reward, jnp.float32), jnp.asarray(discount, jnp.float32),
        jnp.asarray(1.0 - truncated, jnp.float32), jnp.asarray(next_value, jnp.float32), n,
    )
    expected = reference_n_step(reward, terminated, truncated, next_value, gamma, n)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), length=st.integers(1, 9), n=st.integers(1, 12), gamma=st.floats(0.0, 1.0))
def test_n_step_bootstrap__every_start_with_the_horizon_the_row_allows(data, length, n, gamma):
    floats = st.lists(st.floats(-5, 5), min_size=length, max_size=length)
    flags = st.lists(st.booleans(), min_size=length, max_size=length)
    reward, next_value = np.asarray(data.draw(floats)), np.asarray(data.draw(floats))
    terminated, truncated = np.asarray(data.draw(flags)), np.asarray(data.draw(flags))
    truncated &= ~terminated
    total, scale, index = n_step_bootstrap(
        jnp.asarray(reward, jnp.float32), jnp.asarray(gamma * (1.0 - terminated), jnp.float32),
        jnp.asarray(1.0 - truncated, jnp.float32), n,
    )
    got = total + scale * jnp.asarray(next_value, jnp.float32)[index]
    expected = reference_n_step(reward, terminated, truncated, next_value, gamma, n, shorten=True)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_n_step_returns__hand_computed():
    # gamma 0.5, n = 3, an episode terminating after step 1 and one truncated after step 3.
    reward = jnp.asarray([1.0, 2.0, 4.0, 8.0, 16.0])
    terminated = jnp.asarray([0.0, 1.0, 0.0, 0.0, 0.0])
    truncated = jnp.asarray([0.0, 0.0, 0.0, 1.0, 0.0])
    next_value = jnp.asarray([10.0, 20.0, 30.0, 40.0, 50.0])
    got = n_step_returns(reward, 0.5 * (1 - terminated), 1 - truncated, next_value, 3)
    # t=0: 1 + .5*2 (terminated: no bootstrap); t=1: 2; t=2: 4 + .5*8 + .25*40 (truncated bootstrap).
    np.testing.assert_allclose(got, [2.0, 2.0, 18.0])


def test_n_step_returns__reject_bad_horizon():
    with pytest.raises(ValueError, match="n_step"):
        n_step_returns(jnp.zeros(3), jnp.zeros(3), jnp.zeros(3), jnp.zeros(3), 4)


@settings(deadline=None)
@given(st.floats(-1e4, 1e4))
def test_value_rescale__inverse_recovers_the_value(x):
    np.testing.assert_allclose(inverse_value_rescale(value_rescale(jnp.float32(x))), x, rtol=1e-4, atol=1e-4)


def test_value_rescale__hand_computed():
    # h(3) = sqrt(4) - 1 + 1e-3 * 3; h is odd.
    np.testing.assert_allclose(value_rescale(jnp.asarray([3.0, -3.0, 0.0])), [1.003, -1.003, 0.0], rtol=1e-6)


@pytest.mark.parametrize("increment", [1, 3, 4, 7, 16, 40])
def test_target_updates__period_holds_whatever_the_increment(increment):
    period, steps = 10, np.arange(0, 1000 + increment, increment)
    counts = [int(target_updates(StepCount.of(int(a)), increment, period)) for a in steps[:-1]]
    assert sum(counts) == steps[-1] // period
    fired = [b for b, c in zip(steps[1:], counts) if c]
    assert all(f - period < (f // period) * period <= f for f in fired)


def test_update_target__copy_polyak_and_repeated_polyak():
    online, target = {"w": jnp.asarray(1.0)}, {"w": jnp.asarray(0.0)}
    assert float(update_target(online, target, 1.0, 1)["w"]) == 1.0
    assert float(update_target(online, target, 0.3, 0)["w"]) == 0.0
    once = update_target(online, target, 0.3, 1)
    np.testing.assert_allclose(update_target(online, once, 0.3, 1)["w"], update_target(online, target, 0.3, 2)["w"])


def test_c51_n_step_target__keeps_mass_and_mean_of_the_n_step_return():
    """C51's target for DQN/R2D2: the next distribution at each start's bootstrap step, shifted
    by ``R + D z`` and projected (Bellemare et al. 2017), sums to 1 and has the mean of the
    scalar n-step return (atoms stay inside the support here)."""
    from memorax.networks.heads import C51QNetwork

    head = C51QNetwork(action_dim=2, num_atoms=51, v_min=-20.0, v_max=20.0)
    reward = jnp.asarray([1.0, -0.5, 0.25, 2.0, 0.0, 1.5])
    terminated = jnp.asarray([0.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    truncated = jnp.asarray([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    discount, trace = 0.9 * (1.0 - terminated), 1.0 - truncated
    logits = jnp.sin(jnp.arange(6 * 51, dtype=jnp.float32).reshape(6, 51))  # next-state logits per step
    total, scale, index = n_step_bootstrap(reward, discount, trace, 3)
    target = head.project(logits[index], total, scale)
    np.testing.assert_allclose(target.sum(-1), 1.0, rtol=1e-5)
    means = jnp.sum(jax.nn.softmax(logits, -1) * head.support(), -1)
    expected = n_step_returns(reward, discount, trace, means, 3)
    np.testing.assert_allclose((target * head.support()).sum(-1)[: len(expected)], expected, rtol=1e-4, atol=1e-4)
