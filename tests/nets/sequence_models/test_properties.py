"""Resets cut off the past; gradients are finite; jit and vmap over extra batch dims work."""

import jax
import jax.numpy as jnp
import numpy as np
from sequence_model_cases import BATCH, FEATURES, LENGTH, Case, inputs
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=3, deadline=None)
@given(reset_at=st.integers(1, LENGTH - 1), seed=st.integers(0, 2**16))
def test_model__reset_cuts_off_the_past(episodic_case: Case, reset_at: int, seed: int) -> None:
    case = episodic_case
    x = inputs(seed)
    done = jnp.zeros((BATCH, LENGTH), bool).at[:, reset_at].set(True)
    perturbed = x.at[:, :reset_at].add(jax.random.normal(jax.random.key(seed + 1), (BATCH, reset_at, FEATURES)))
    _, y = case.apply(case.params, x, done, case.fresh())
    _, y_perturbed = case.apply(case.params, perturbed, done, case.fresh())
    assert not np.allclose(y[:, :reset_at], y_perturbed[:, :reset_at])
    np.testing.assert_allclose(y[:, reset_at:], y_perturbed[:, reset_at:], rtol=1e-5, atol=1e-6)


def test_model__gradients_are_finite(case: Case) -> None:
    done = jnp.zeros((BATCH, LENGTH), bool).at[:, LENGTH // 2].set(True)

    def loss(params: object, x: jax.Array) -> jax.Array:
        return jnp.sum(case.model.apply(params, x, done, case.fresh())[1] ** 2)

    grads = jax.jit(jax.grad(loss, argnums=(0, 1)))(case.params, inputs(4))
    leaves = jax.tree.leaves(grads)
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)
    assert any(bool(jnp.any(g != 0)) for g in jax.tree.leaves(grads[0]))


def test_model__vmap_over_extra_batch_dim_matches_rows(case: Case) -> None:
    x = jnp.stack([inputs(5, length=1), inputs(6, length=1)])
    done = jax.random.bernoulli(jax.random.key(7), 0.5, (2, BATCH, 1))
    carry0 = case.model.initialize_carry(jax.random.key(0), (2, BATCH, FEATURES))
    assert all(leaf.shape[:2] == (2, BATCH) for leaf in jax.tree.leaves(carry0))
    carry, y = jax.jit(jax.vmap(case.model.apply, in_axes=(None, 0, 0, 0)))(case.params, x, done, carry0)
    for i in range(2):
        carry_i, y_i = case.apply(case.params, x[i], done[i], case.fresh())
        np.testing.assert_allclose(y[i], y_i, rtol=1e-5, atol=1e-6)
        for a, b in zip(jax.tree.leaves(carry), jax.tree.leaves(carry_i)):
            np.testing.assert_allclose(a[i], b, rtol=1e-5, atol=1e-6)


def test_model__bfloat16_inputs_keep_dtypes(bf16_case: Case) -> None:
    case = bf16_case
    fresh = case.fresh()
    carry, y = case.apply(case.params, inputs(8, length=1, dtype=jnp.bfloat16), jnp.zeros((BATCH, 1), bool), fresh)
    assert y.dtype == jnp.bfloat16 and bool(jnp.all(jnp.isfinite(y.astype(jnp.float32))))
    assert jax.tree.map(lambda a: a.dtype, carry) == jax.tree.map(lambda a: a.dtype, fresh)
