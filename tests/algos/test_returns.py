"""GAE and lambda-returns against hand-computed values, and the identity that links them."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.algorithms._returns import episode_factors, generalized_advantage_estimation, lambda_returns

GAMMA, LAMBDA = 0.9, 0.5
# Four steps: the episode terminates after step 1 and is truncated after step 2.
REWARD = jnp.array([1.0, 2.0, 3.0, 4.0])
TERMINATED = jnp.array([False, True, False, False])
TRUNCATED = jnp.array([False, False, True, False])
VALUE = jnp.array([10.0, 20.0, 30.0, 40.0])
# next_value[t] = V(true o_{t+1}): V(o_1)=20, V(final of ep 1)=99 (unused: terminated),
# V(final of ep 2)=7 (truncated: used), V(o_4)=5 (end of the rollout).
NEXT_VALUE = jnp.array([20.0, 99.0, 7.0, 5.0])


def test_gae__stops_at_termination_and_bootstraps_truncation_from_final_value():
    discount, trace = episode_factors(TERMINATED, TRUNCATED, GAMMA, LAMBDA)
    advantages = generalized_advantage_estimation(REWARD, discount, trace, VALUE, NEXT_VALUE)
    a3 = 4.0 + 0.9 * 5.0 - 40.0
    a2 = 3.0 + 0.9 * 7.0 - 30.0  # truncated: bootstrap from the final obs, no trace into step 3
    a1 = 2.0 - 20.0  # terminated: no bootstrap
    a0 = (1.0 + 0.9 * 20.0 - 10.0) + 0.9 * 0.5 * a1
    np.testing.assert_allclose(advantages, [a0, a1, a2, a3], rtol=1e-6)


def test_lambda_returns__stop_at_termination_and_bootstrap_truncation_from_final_value():
    discount, trace = episode_factors(TERMINATED, TRUNCATED, GAMMA, LAMBDA)
    returns = lambda_returns(REWARD, discount, trace, NEXT_VALUE)
    g3 = 4.0 + 0.9 * 5.0
    g2 = 3.0 + 0.9 * 7.0
    g1 = 2.0
    g0 = 1.0 + 0.9 * (0.5 * 20.0 + 0.5 * g1)
    np.testing.assert_allclose(returns, [g0, g1, g2, g3], rtol=1e-6)


def test_lambda_returns__lambda_one_is_the_discounted_return_to_the_episode_end():
    reward = jnp.array([1.0, 1.0, 1.0])
    discount, trace = episode_factors(jnp.array([False, False, True]), jnp.zeros(3, bool), 0.5, 1.0)
    returns = lambda_returns(reward, discount, trace, jnp.array([9.0, 9.0, 9.0]))
    np.testing.assert_allclose(returns, [1.75, 1.5, 1.0])


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda t: st.tuples(
            st.lists(st.floats(-5, 5), min_size=t, max_size=t),
            st.lists(st.booleans(), min_size=t, max_size=t),
            st.lists(st.booleans(), min_size=t, max_size=t),
            st.lists(st.floats(-5, 5), min_size=t + 1, max_size=t + 1),
            st.lists(st.floats(-5, 5), min_size=t, max_size=t),
        )
    ),
    st.floats(0.0, 1.0),
)
def test_gae__plus_values_equals_lambda_returns(inputs, lambda_):
    reward, terminated, truncated, values, final_values = (jnp.asarray(x) for x in inputs)
    truncated = truncated & ~terminated
    value = values[:-1]
    # Where an episode continues, V(o_{t+1}) is the next step's value; at a
    # truncation it is the value of the (different) final observation.
    next_value = jnp.where(truncated, final_values, values[1:])
    discount, trace = episode_factors(terminated, truncated, 0.95, lambda_)
    advantages = generalized_advantage_estimation(reward, discount, trace, value, next_value)
    returns = lambda_returns(reward, discount, trace, next_value)
    np.testing.assert_allclose(advantages + value, returns, rtol=1e-4, atol=1e-4)
