"""Uniform sequence replay for recurrent agents, on flashbax's trajectory buffer.

Layout: experience is stored as ``(add_batch_size, max_length // add_batch_size, ...)``
rows (one row per environment), each row a circular time axis that every ``add``
appends to. A *window* is ``sample_sequence_length`` consecutive steps of one row.

What is sampleable (flashbax's ``trajectory_buffer.sample`` already gets this right,
so it is reused as is): every complete window whose steps are all still stored, i.e.
the windows that lie between the oldest stored step and the newest one without
crossing the circular write head. Windows may start at *any* step, not only at
episode starts: an agent stores, with every step, the carry its sequence model had
before that step, so the window's first stored carry plus burn-in restores the
memory. Sampling is uniform over these windows (rows and starts), with replacement.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from flashbax.buffers import trajectory_buffer
from flashbax.buffers.trajectory_buffer import TrajectoryBufferSample, TrajectoryBufferState

from memorax.core.typing import Array, PRNGKey, PyTree


@dataclasses.dataclass(frozen=True)
class EpisodeBuffer:
    """Pure functions of a sequence replay buffer (see :func:`make_episode_buffer`).

    Attributes:
        init: ``init(item) -> state`` from one unbatched step (e.g. a ``Transition``).
        add: ``add(state, batch) -> state``; ``batch`` is ``(add_batch_size, ...)`` (one
            step per row) or ``(add_batch_size, T, ...)`` (``T`` steps per row, flashbax's
            layout); anything else raises a ``ValueError`` naming both.
        sample: ``sample(state, key) -> sample`` with ``sample.experience`` of shape
            ``(sample_batch_size, sample_sequence_length, ...)``.
        can_sample: ``can_sample(state) -> bool`` once ``min_length`` steps were added.
        add_batch_size, sample_batch_size, sample_sequence_length, max_length_time_axis:
            the static sizes, so that algorithms can check a buffer against their config.
    """

    init: Callable[[PyTree], TrajectoryBufferState]
    add: Callable[[TrajectoryBufferState, PyTree], TrajectoryBufferState]
    sample: Callable[[TrajectoryBufferState, PRNGKey], TrajectoryBufferSample]
    can_sample: Callable[[TrajectoryBufferState], Array]
    add_batch_size: int
    sample_batch_size: int
    sample_sequence_length: int
    max_length_time_axis: int


def time_axis_lengths(
    max_length: int,
    min_length: int,
    sample_batch_size: int,
    sample_sequence_length: int,
    add_batch_size: int,
) -> tuple[int, int]:
    """Validates the buffer sizes and returns ``(max_length_time_axis, min_length_time_axis)``.

    ``max_length`` and ``min_length`` count steps over all rows; each row holds
    ``max_length // add_batch_size`` steps, and sampling needs at least
    ``sample_sequence_length`` steps in every row.
    """
    for name, value in (
        ("max_length", max_length),
        ("min_length", min_length),
        ("sample_batch_size", sample_batch_size),
        ("sample_sequence_length", sample_sequence_length),
        ("add_batch_size", add_batch_size),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be a positive int; got {value!r}.")
    max_length_time_axis = max_length // add_batch_size
    if max_length_time_axis < sample_sequence_length:
        raise ValueError(
            f"`max_length` ({max_length}) holds {max_length_time_axis} steps per row "
            f"(max_length // add_batch_size with add_batch_size={add_batch_size}), fewer than "
            f"`sample_sequence_length` ({sample_sequence_length}); raise `max_length` to at "
            f"least {sample_sequence_length * add_batch_size}."
        )
    if min_length > max_length:
        raise ValueError(
            f"`min_length` ({min_length}) must not exceed `max_length` ({max_length}): "
            "the buffer could never be sampled."
        )
    min_length_time_axis = max(math.ceil(min_length / add_batch_size), sample_sequence_length)
    return max_length_time_axis, min_length_time_axis


def either_layout(add: Callable[[Any, PyTree], Any], add_batch_size: int) -> Callable[[Any, PyTree], Any]:
    """Turns an ``add`` of ``(add_batch_size, T, ...)`` sequences (flashbax's layout) into one
    that also takes one step per row, ``(add_batch_size, ...)``.

    The layout is read from the leaves' ranks against the stored item (static, so it
    costs nothing under ``jit``); leaves that fit neither raise a ``ValueError`` saying
    which shapes were expected.
    """

    def add_either(state: Any, batch: PyTree) -> Any:
        stored = jax.tree.leaves(state.experience)
        leaves = jax.tree.leaves(batch)
        if len(leaves) != len(stored):
            raise ValueError(
                f"buffer.add got a batch with {len(leaves)} leaves, but the buffer stores items with "
                f"{len(stored)}; add the same structure as the item given to buffer.init."
            )
        layouts = {_layout(leaf.shape, item.shape[2:], add_batch_size) for leaf, item in zip(leaves, stored)}
        if len(layouts) != 1 or None in layouts:
            shapes = [(tuple(leaf.shape), tuple(item.shape[2:])) for leaf, item in zip(leaves, stored)]
            raise ValueError(
                f"buffer.add expects every leaf as (add_batch_size={add_batch_size}, *item_shape) for one "
                f"step per row or (add_batch_size={add_batch_size}, T, *item_shape) for T steps per row "
                f"(flashbax's layout), all leaves alike; got (leaf shape, item shape) pairs {shapes}."
            )
        if layouts == {"step"}:
            batch = jax.tree.map(lambda x: jnp.expand_dims(x, 1), batch)
        return add(state, batch)

    return add_either


def _layout(shape: tuple[int, ...], item: tuple[int, ...], add_batch_size: int) -> str | None:
    """``"step"`` for ``(add_batch_size, *item)``, ``"sequence"`` for ``(add_batch_size, T, *item)``."""
    if tuple(shape) == (add_batch_size, *item):
        return "step"
    if len(shape) == len(item) + 2 and shape[0] == add_batch_size and tuple(shape[2:]) == tuple(item):
        return "sequence"
    return None


def stored_steps(state: TrajectoryBufferState) -> Array:
    """How many steps (over all rows) the buffer holds now: int32 scalar.

    Works for both buffers of this package; it stops growing once the rows are full.
    """
    leaf = jax.tree.leaves(state.experience)[0]
    rows, length = leaf.shape[:2]
    return jnp.where(state.is_full, length, state.current_index).astype(jnp.int32) * rows


def make_episode_buffer(
    max_length: int,
    min_length: int,
    sample_batch_size: int,
    sample_sequence_length: int,
    add_batch_size: int,
) -> EpisodeBuffer:
    """Uniform replay of ``sample_sequence_length``-step windows that may start at any step.

    Args:
        max_length: steps stored over all rows (each row keeps ``max_length // add_batch_size``).
        min_length: steps (over all rows) to add before ``can_sample`` is true; at least
            ``sample_sequence_length`` per row are always required.
        sample_batch_size: windows per ``sample``.
        sample_sequence_length: steps per window (for R2D2: burn-in + learning + n-step).
        add_batch_size: rows, i.e. the number of parallel environments that add.

    Example:
        >>> buffer = make_episode_buffer(max_length=100_000, min_length=1000,
        ...     sample_batch_size=32, sample_sequence_length=16, add_batch_size=8)
        >>> state = buffer.init({"obs": jnp.zeros(3)})
        >>> state = buffer.add(state, {"obs": jnp.ones((8, 3))})
    """
    max_length_time_axis, min_length_time_axis = time_axis_lengths(
        max_length, min_length, sample_batch_size, sample_sequence_length, add_batch_size
    )
    buffer = trajectory_buffer.make_trajectory_buffer(
        add_batch_size=add_batch_size,
        sample_batch_size=sample_batch_size,
        sample_sequence_length=sample_sequence_length,
        period=1,
        min_length_time_axis=min_length_time_axis,
        max_length_time_axis=max_length_time_axis,
    )
    return EpisodeBuffer(
        init=buffer.init,
        add=either_layout(buffer.add, add_batch_size),
        sample=buffer.sample,
        can_sample=buffer.can_sample,
        add_batch_size=add_batch_size,
        sample_batch_size=sample_batch_size,
        sample_sequence_length=sample_sequence_length,
        max_length_time_axis=max_length_time_axis,
    )
