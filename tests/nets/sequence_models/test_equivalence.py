"""Every sequence model: whole sequence == step by step == any chunking, resets anywhere.

Tolerance: float32 outputs and carries agree to ``rtol=1e-4, atol=1e-5`` (different
summation orders of the associative scan); integer carry leaves agree exactly.
"""

import jax
import jax.numpy as jnp
import numpy as np
from sequence_model_cases import BATCH, LENGTH, Case, inputs
from hypothesis import given, settings
from hypothesis import strategies as st

TOLERANCE = dict(rtol=1e-4, atol=1e-5)


def assert_trees_close(actual: object, expected: object) -> None:
    assert jax.tree.structure(actual) == jax.tree.structure(expected)
    for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected)):
        assert a.shape == e.shape and a.dtype == e.dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), **TOLERANCE)


def run_chunked(case: Case, x: jax.Array, done: jax.Array, sizes: list[int]) -> tuple[object, jax.Array]:
    carry, outputs, start = case.fresh(), [], 0
    for size in sizes:
        carry, y = case.apply(case.params, x[:, start:start + size], done[:, start:start + size], carry)
        outputs.append(y)
        start += size
    return carry, jnp.concatenate(outputs, axis=1)


@st.composite
def chunk_sizes(draw: st.DrawFn, length: int = LENGTH, largest: int = 2) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < length:
        sizes.append(draw(st.integers(1, min(largest, length - sum(sizes)))))
    return sizes


done_flags = st.lists(st.booleans(), min_size=BATCH * LENGTH, max_size=BATCH * LENGTH).map(
    lambda flags: jnp.asarray(flags).reshape(BATCH, LENGTH)
)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**16), done=done_flags, sizes=chunk_sizes())
def test_model__chunked_equals_whole_with_resets(case: Case, seed: int, done: jax.Array, sizes: list[int]) -> None:
    x = inputs(seed)
    expected_carry, expected = case.apply(case.params, x, done, case.fresh())
    carry, y = run_chunked(case, x, done, sizes)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_model__step_by_step_equals_whole(case: Case) -> None:
    x = inputs(1)
    done = jax.random.bernoulli(jax.random.key(2), 0.3, (BATCH, LENGTH))
    expected_carry, expected = case.apply(case.params, x, done, case.fresh())
    carry, y = run_chunked(case, x, done, [1] * LENGTH)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_model__carry_structure_is_stable(case: Case) -> None:
    """Carry dtypes/shapes survive a call (no recompiles) and ignore the feature size."""
    fresh = case.fresh()
    carry, y = case.apply(case.params, inputs(3), jnp.zeros((BATCH, LENGTH), bool), fresh)
    assert jax.tree.map(lambda a: (a.shape, a.dtype), carry) == jax.tree.map(lambda a: (a.shape, a.dtype), fresh)
    other = case.model.initialize_carry(jax.random.key(0), (BATCH, 1))
    assert jax.tree.map(jnp.shape, other) == jax.tree.map(jnp.shape, fresh)
    assert all(leaf.shape[0] == BATCH for leaf in jax.tree.leaves(fresh))
    assert y.shape[:2] == (BATCH, LENGTH) and y.dtype == jnp.float32
