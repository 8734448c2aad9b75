"""Resettable scans over monoid elements: the engine of every memoroid.

A memoroid cell maps each step to a monoid *element*; the state after step ``t`` is the
running product ``carry * e_0 * ... * e_t``. Episode resets live inside the monoid:
pairs ``(element, reset)`` combine as

    (a, r_a) . (b, r_b) = (b if r_b else a . b,  r_a or r_b)

so a reset element replaces the whole prefix (the fresh state is the identity). This
operator is associative, hence ``jax.lax.associative_scan`` (depth O(log T)) and a plain
``jax.lax.scan`` (depth T) give the same states, and so does any chunking of the sequence
that threads the last state as the next ``initial``. ``done[b, t]`` resets *before* step
``t``, i.e. the state after step ``t`` is ``e_t`` alone.

All functions take batch-major elements: every leaf is ``(B, T, ...)``; ``initial``
leaves are ``(B, ...)``. Operators are written element-wise over leading axes so that
they broadcast.
"""

from collections.abc import Callable
from typing import Protocol

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PyTree

Operator = Callable[[PyTree, PyTree], PyTree]


class Scan(Protocol):
    """``states = scan(operator, elements, done, initial)``; states are ``(B, T, ...)``."""

    def __call__(self, operator: Operator, elements: PyTree, done: Array, initial: PyTree) -> PyTree: ...


def _select(flag: Array, on_true: PyTree, on_false: PyTree) -> PyTree:
    def pick(a: Array, b: Array) -> Array:
        mask = jnp.reshape(flag, flag.shape + (1,) * (b.ndim - flag.ndim))
        return jnp.where(mask, a, b)

    return jax.tree.map(pick, on_true, on_false)


def associative_scan(operator: Operator, elements: PyTree, done: Array, initial: PyTree) -> PyTree:
    """Parallel resettable scan (O(log T) depth), then folds ``initial`` into the prefix."""

    def combine(left: tuple[PyTree, Array], right: tuple[PyTree, Array]) -> tuple[PyTree, Array]:
        (a, reset_a), (b, reset_b) = left, right
        return _select(reset_b, b, operator(a, b)), reset_a | reset_b

    states, seen_reset = jax.lax.associative_scan(combine, (elements, done), axis=1)
    from_initial = operator(jax.tree.map(lambda c: c[:, None], initial), states)
    return _select(seen_reset, states, from_initial)


def sequential_scan(operator: Operator, elements: PyTree, done: Array, initial: PyTree) -> PyTree:
    """Step-by-step resettable scan (depth T) with the same result as the parallel one."""

    def step(state: PyTree, xs: tuple[PyTree, Array]) -> tuple[PyTree, PyTree]:
        element, reset = xs
        state = _select(reset, element, operator(state, element))
        return state, state

    time_major = jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), (elements, done))
    _, states = jax.lax.scan(step, initial, time_major)
    return jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), states)


def linear_recurrence(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
    """Monoid of ``h_t = decay_t * h_{t-1} + drive_t``: elements are ``(decay, drive)``."""
    decay_a, drive_a = a
    decay_b, drive_b = b
    return decay_a * decay_b, decay_b * drive_a + drive_b


def last(states: PyTree) -> PyTree:
    """The state after the last step: leaves ``(B, T, ...) -> (B, ...)``."""
    return jax.tree.map(lambda x: x[:, -1], states)
