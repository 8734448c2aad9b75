"""The fused nn.GRUCell path of RNN equals stepping flax's cell: outputs, carry and every gradient."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import RNN
from memorax.networks.sequence_models.fused_gru import is_fusable


class SteppedGRUCell(nn.GRUCell):
    """flax's GRUCell, stepped as any other cell (a subclass is never fused)."""


def _loss(model, params, x, done, carry):
    last, y = model.apply(params, x, done, carry)
    return jnp.sum(jnp.sin(y)) + jnp.sum(last**2)


@jax.jit(static_argnums=0)
def _apply_and_grad(model, params, x, done, carry):
    """Outputs, carry and the gradients wrt (params, x, carry): jitted, so examples of one shape compile once."""
    return model.apply(params, x, done, carry), jax.grad(_loss, argnums=(1, 2, 4))(model, params, x, done, carry)


@settings(max_examples=8, deadline=None)
@given(
    batch=st.sampled_from([1, 3]),
    steps=st.sampled_from([1, 9]),
    seed=st.integers(0, 2**16),
    reset_rate=st.sampled_from([0.0, 0.3, 1.0]),
    activation=st.sampled_from(["tanh", "relu"]),
)
def test_fused_gru__equals_the_stepped_cell_with_resets(batch, steps, seed, reset_rate, activation):
    keys = jax.random.split(jax.random.key(seed), 4)
    cell_args = dict(features=4, activation_fn=getattr(nn, activation))
    fused, stepped = RNN(cell=nn.GRUCell(**cell_args)), RNN(cell=SteppedGRUCell(**cell_args))
    x = jax.random.normal(keys[0], (batch, steps, 3))
    done = jax.random.bernoulli(keys[1], reset_rate, (batch, steps))
    carry = jax.random.normal(keys[2], (batch, 4))
    params = fused.init(keys[3], x, done)
    assert jax.tree.structure(params) == jax.tree.structure(stepped.init(keys[3], x, done))
    (got, got_grad), (want, want_grad) = (_apply_and_grad(model, params, x, done, carry) for model in (fused, stepped))
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6), got, want)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5), got_grad, want_grad)


def test_fused_gru__only_flax_gru_cells_in_their_parameter_dtype():
    assert is_fusable(nn.GRUCell(features=4))
    assert not is_fusable(SteppedGRUCell(features=4))
    assert not is_fusable(nn.GRUCell(features=4, dtype=jnp.bfloat16))
    assert not is_fusable(nn.LSTMCell(features=4))


def test_fused_gru__gradient_of_the_first_carry_when_the_first_step_resets():
    """A reset before step 0 cuts the initial carry off: its gradient is exactly zero."""
    model = RNN(cell=nn.GRUCell(features=4))
    x, done = jnp.ones((2, 5, 3)), jnp.zeros((2, 5), bool).at[:, 0].set(True)
    params = model.init(jax.random.key(0), x, done)
    grad = jax.grad(lambda c: _loss(model, params, x, done, c))(jnp.ones((2, 4)))
    np.testing.assert_array_equal(grad, 0.0)
    with pytest.raises(TypeError):
        jax.jvp(lambda c: _loss(model, params, x, done, c), (jnp.ones((2, 4)),), (jnp.ones((2, 4)),))
