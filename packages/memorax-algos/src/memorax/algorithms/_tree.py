"""Small pytree utilities shared by the algorithms."""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PyTree


def strong_types(tree: PyTree) -> PyTree:
    """Casts every leaf to its own dtype without the weak-type flag.

    A weakly typed leaf in a jitted function's state (e.g. gymnax's ``time = 0``)
    becomes strongly typed after one step and the next call recompiles; this keeps the
    state's avals fixed from ``init`` on.
    """
    return jax.tree.map(lambda x: jax.lax.convert_element_type(x, jnp.result_type(x)), tree)


def swap_leading_axes(tree: PyTree) -> PyTree:
    """``(A, B, ...) -> (B, A, ...)`` on every leaf, e.g. scan's time-major output to batch-major."""
    return jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), tree)


def merge_leading_axes(tree: PyTree) -> PyTree:
    """``(A, B, ...) -> (A * B, ...)`` on every leaf."""
    return jax.tree.map(lambda x: jnp.reshape(x, (x.shape[0] * x.shape[1], *x.shape[2:])), tree)


def select(condition: Array, on_true: PyTree, on_false: PyTree) -> PyTree:
    """Picks whole pytrees by a scalar ``condition``."""
    return jax.tree.map(lambda a, b: jnp.where(condition, a, b), on_true, on_false)
