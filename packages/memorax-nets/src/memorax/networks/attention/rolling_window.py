"""Rolling per-row windows of the most recent steps of the current episode.

Shared by the attention KV cache and :class:`SegmentRecurrence`'s memory. A window
holds the last ``length`` steps (oldest first) and a ``valid`` mask that is true for
the entries belonging to the episode of the most recent step; the entries are
contiguous in time, so the entry ``j`` of a window is ``length - 1 - j`` steps older
than the most recent step.
"""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PyTree


def episode_positions(last_position: Array, done: Array) -> Array:
    """Episode-relative positions ``(B, T)`` of new steps.

    ``last_position`` ``(B,)`` is the position of the step before the chunk (-1 when
    there was none); positions restart at 0 where ``done`` ``(B, T)`` is true.
    """
    index = jnp.arange(done.shape[1])
    last_reset = jax.lax.cummax(jnp.where(done, index, -1), axis=1)
    return jnp.where(last_reset >= 0, index - last_reset, last_position[:, None] + 1 + index)


def window_positions(last_position: Array, length: int) -> Array:
    """Positions ``(B, length)`` of a window's entries (meaningful where valid)."""
    return last_position[:, None] - (length - 1 - jnp.arange(length))


def roll_in(
    window: PyTree, valid: Array, new: PyTree, done: Array, length: int
) -> tuple[PyTree, Array]:
    """Appends ``T`` new steps to a window and keeps the last ``length`` of them.

    Args:
        window: pytree of ``(B, length, ...)`` arrays.
        valid: ``(B, length)`` bool, entries of the current episode.
        new: pytree like ``window`` with ``(B, T, ...)`` arrays.
        done: ``(B, T)`` bool, where new steps start an episode.
        length: the window length.

    Returns:
        The new window and its ``valid`` mask (entries in the last step's episode).
    """
    episode = jnp.cumsum(done, axis=1)
    ids = jnp.concatenate([jnp.where(valid, 0, -1), episode], axis=1)
    start = ids.shape[1] - length
    kept = jax.tree.map(lambda w, n: jnp.concatenate([w, n], axis=1)[:, start:], window, new)
    return kept, ids[:, start:] == episode[:, -1:]
