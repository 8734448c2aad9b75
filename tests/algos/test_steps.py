"""The env-step counter: exact past int32's 2**31 wrap (issue: GPU runs reach 4e9 steps)."""

import jax
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.algorithms import StepCount
from memorax.algorithms._targets import target_updates


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, 2**45),
    increments=st.lists(st.integers(0, 2**30 - 1), max_size=5),
    period=st.integers(1, 2**31 - 1),
)
def test_step_count__adds_and_divides_exactly_beyond_int32(start, increments, period):
    count, expected = StepCount.of(start), start
    for increment in increments:
        count, expected = count + increment, expected + increment
    assert int(count) == expected
    assert int(count.remainder(period)) == expected % period
    np.testing.assert_allclose(float(count.as_float()), expected, rtol=1e-7)
    # Target updates count the multiples of the period crossed by an increment.
    assert int(target_updates(count, 1000, period)) == (expected + 1000) // period - expected // period


def test_step_count__jitted_increments_cross_the_int32_boundary():
    add = jax.jit(lambda count: count + 8)
    count = StepCount.of(2**31 - 16)
    for _ in range(4):
        count = add(count)
    assert int(count) == 2**31 + 16 and count.shape == ()
