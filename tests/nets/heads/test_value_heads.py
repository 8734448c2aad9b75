"""Value and Q heads: shapes, dueling form, losses against hand-computed numbers."""

import jax
import jax.numpy as jnp
import numpy as np

from memorax.networks import heads

B, T, F = 2, 3, 5


def test_v_network__values_and_squared_error_loss():
    x = jax.random.normal(jax.random.key(0), (B, T, F))
    head = heads.VNetwork()
    values = head.apply(jax.jit(head.init)(jax.random.key(1), x), x)
    assert values.shape == (B, T)
    assert head.value(values) is values
    np.testing.assert_allclose(
        head.loss(jnp.array([[1.0, -2.0]]), jnp.array([[0.0, 1.0]])), [[0.5, 4.5]]
    )


def test_discrete_q_network__dueling_advantages_have_zero_mean_offset():
    x = jax.random.normal(jax.random.key(0), (B, T, F))
    head = heads.DiscreteQNetwork(action_dim=4, dueling=True)
    params = jax.jit(head.init)(jax.random.key(1), x)
    q = jax.jit(head.apply)(params, x)
    assert q.shape == (B, T, 4)
    p = params["params"]
    value = x @ p["Dense_1"]["kernel"] + p["Dense_1"]["bias"]
    np.testing.assert_allclose(q.mean(-1, keepdims=True), value, atol=1e-5)
    np.testing.assert_array_equal(head.q_values(q), q)
