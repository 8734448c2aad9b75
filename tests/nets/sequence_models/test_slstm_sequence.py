"""RNN's whole-sequence sLSTM (carry-free work hoisted out of the loop) equals stepping the cell."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import RNN, sLSTMCell


class SteppedsLSTMCell(sLSTMCell):  # noqa: N801 (the paper's name)
    """sLSTMCell without its ``sequence`` form: RNN steps it under ``nn.scan``."""

    sequence = None


def _loss(model, params, x, done, carry):
    last, y = model.apply(params, x, done, carry)
    return jnp.sum(jnp.sin(y)) + sum(jnp.sum(leaf**2) for leaf in jax.tree.leaves(last))


@jax.jit(static_argnums=0)
def _apply_and_grad(model, params, x, done, carry):
    return model.apply(params, x, done, carry), jax.grad(_loss, argnums=(1, 2, 4))(model, params, x, done, carry)


def _random_carry(key, cell, batch, features):
    """A mid-episode carry: every leaf random, the normaliser ``n`` positive as it is after any step."""
    template = cell.initialize_carry(key, (batch, features))
    keys = dict(zip(template, jax.random.split(key, len(template))))
    carry = {name: jax.random.normal(keys[name], leaf.shape) for name, leaf in template.items()}
    return {**carry, "n": 1.0 + jnp.abs(carry["n"])}


@settings(max_examples=4, deadline=None)
@given(
    batch=st.sampled_from([1, 3]),
    steps=st.sampled_from([1, 9]),
    conv_kernel_size=st.sampled_from([1, 3]),
    seed=st.integers(0, 2**16),
    reset_rate=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_slstm_sequence__equals_the_stepped_cell_with_resets(batch, steps, conv_kernel_size, seed, reset_rate):
    keys = jax.random.split(jax.random.key(seed), 4)
    cell_args = dict(features=8, num_heads=2, conv_kernel_size=conv_kernel_size)
    hoisted, stepped = RNN(cell=sLSTMCell(**cell_args)), RNN(cell=SteppedsLSTMCell(**cell_args))
    x = jax.random.normal(keys[0], (batch, steps, 3))
    done = jax.random.bernoulli(keys[1], reset_rate, (batch, steps))
    carry = _random_carry(keys[2], sLSTMCell(**cell_args), batch, 3)
    params = hoisted.init(keys[3], x, done)
    assert jax.tree.structure(params) == jax.tree.structure(stepped.init(keys[3], x, done))
    (got, got_grad), (want, want_grad) = (_apply_and_grad(model, params, x, done, carry) for model in (hoisted, stepped))
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5), got, want)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4), got_grad, want_grad)
