"""Helpers shared by the memorax-nets tests outside sequence_models/ (as fixtures)."""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

TOLERANCE = dict(rtol=1e-4, atol=1e-5)


def _assert_trees_close(actual: object, expected: object) -> None:
    assert jax.tree.structure(actual) == jax.tree.structure(expected)
    for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected)):
        assert a.shape == e.shape and a.dtype == e.dtype
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(e, float), **TOLERANCE)


def _run_chunks(apply: Callable, params: object, x: jax.Array, done: jax.Array, sizes: list[int], carry: object):
    """Feeds ``x``/``done`` in consecutive chunks of ``sizes``; returns final carry and outputs."""
    outputs, start = [], 0
    for size in sizes:
        carry, y = apply(params, x[:, start : start + size], done[:, start : start + size], carry)
        outputs.append(y)
        start += size
    assert start == x.shape[1]
    return carry, jnp.concatenate(outputs, axis=1)


@pytest.fixture(scope="session")
def assert_trees_close() -> Callable:
    return _assert_trees_close


@pytest.fixture(scope="session")
def run_chunks() -> Callable:
    return _run_chunks
