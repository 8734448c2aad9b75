"""Prioritised sequence replay (Schaul et al., 2016, "Prioritized Experience Replay";
Kapturowski et al., 2019, R2D2), on flashbax's prioritised trajectory buffer.

Same layout and windows as :mod:`memorax.buffers.episode_buffer`; every window has a
priority in flashbax's sum tree, indexed by ``row * max_length_time_axis + start``.

Bookkeeping: a window gets a priority only when its last step has been added, and
it then gets the running maximum priority; a window whose first step is overwritten
by the write head drops to priority zero. So incomplete windows and windows that
would cross the write head are never sampled. flashbax's storage, sum tree,
``set_priorities`` and ``can_sample`` are reused as they are; its ``prioritised_add``
is not, because it truncates the running maximum to an integer (it fills an int index
array with it, flashbax 0.1.3), so new windows got ``floor(max)`` instead of ``max``.

Sampling is stratified over the sum tree. Its inner sums are updated by
differences in float32 and drift over millions of updates; a draw can then land
on a zero-priority leaf (an invalid window). Such a draw is replaced by the batch's
most probable draw, so that no invalid window is ever returned.
"""

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
from flashbax.buffers import prioritised_trajectory_buffer, sum_tree, trajectory_buffer
from flashbax.buffers.prioritised_trajectory_buffer import (
    PrioritisedTrajectoryBufferSample,
    PrioritisedTrajectoryBufferState,
)

from memorax.buffers.episode_buffer import either_layout, time_axis_lengths
from memorax.core.typing import Array, PRNGKey, PyTree

_DEVICES = ("cpu", "gpu", "tpu")


@dataclasses.dataclass(frozen=True)
class PrioritisedEpisodeBuffer:
    """Pure functions of a prioritised sequence buffer (see :func:`make_prioritised_episode_buffer`).

    Attributes:
        init, add, can_sample: as in :class:`~memorax.buffers.EpisodeBuffer`.
        sample: ``sample(state, key)`` -> ``PrioritisedTrajectoryBufferSample`` with
            ``experience`` ``(sample_batch_size, sample_sequence_length, ...)``,
            ``indices`` ``(sample_batch_size,)`` (window ids for ``set_priorities``) and
            ``probabilities`` ``(sample_batch_size,)`` (the probability of drawing each).
        set_priorities: ``set_priorities(state, indices, priorities) -> state``; the
            sampling weight of a window is ``(priority + priority_epsilon) ** priority_exponent``.
    """

    init: Callable[[PyTree], PrioritisedTrajectoryBufferState]
    add: Callable[[PrioritisedTrajectoryBufferState, PyTree], PrioritisedTrajectoryBufferState]
    sample: Callable[[PrioritisedTrajectoryBufferState, PRNGKey], PrioritisedTrajectoryBufferSample]
    can_sample: Callable[[PrioritisedTrajectoryBufferState], Array]
    set_priorities: Callable[
        [PrioritisedTrajectoryBufferState, Array, Array], PrioritisedTrajectoryBufferState
    ]
    add_batch_size: int
    sample_batch_size: int
    sample_sequence_length: int
    max_length_time_axis: int


def make_prioritised_episode_buffer(
    max_length: int,
    min_length: int,
    sample_batch_size: int,
    sample_sequence_length: int,
    add_batch_size: int,
    priority_exponent: float = 0.6,
    device: str = "cpu",
    priority_epsilon: float = 1e-6,
) -> PrioritisedEpisodeBuffer:
    """Prioritised replay of windows that may start at any step.

    Args:
        max_length: steps stored over all rows, as in :func:`~memorax.buffers.make_episode_buffer`.
        min_length: steps (over all rows) to add before ``can_sample`` is true.
        sample_batch_size: windows per ``sample``.
        sample_sequence_length: steps per window.
        add_batch_size: rows, i.e. the number of parallel environments that add.
        priority_exponent: ``alpha`` of PER in ``[0, 1]``; 0 samples uniformly.
        device: ``"cpu"``, ``"gpu"`` or ``"tpu"``: picks flashbax's fastest sum-tree
            update for that device.
        priority_epsilon: added to every priority given to ``set_priorities`` (Schaul et
            al.'s ``p = |delta| + epsilon``), so a window whose error reached zero stays
            sampleable.

    Example:
        >>> buffer = make_prioritised_episode_buffer(max_length=100_000, min_length=1000,
        ...     sample_batch_size=32, sample_sequence_length=16, add_batch_size=8,
        ...     priority_exponent=0.6)
    """
    max_length_time_axis, min_length_time_axis = time_axis_lengths(
        max_length, min_length, sample_batch_size, sample_sequence_length, add_batch_size
    )
    if not 0.0 <= priority_exponent <= 1.0:
        raise ValueError(f"`priority_exponent` must lie in [0, 1]; got {priority_exponent}.")
    if not priority_epsilon > 0.0:
        raise ValueError(f"`priority_epsilon` must be > 0 so that no window becomes unsampleable; got {priority_epsilon}.")
    if device not in _DEVICES:
        raise ValueError(f"`device` must be one of {_DEVICES}; got {device!r}.")
    buffer = prioritised_trajectory_buffer.make_prioritised_trajectory_buffer(
        add_batch_size=add_batch_size,
        sample_batch_size=sample_batch_size,
        sample_sequence_length=sample_sequence_length,
        period=1,
        min_length_time_axis=min_length_time_axis,
        max_length_time_axis=max_length_time_axis,
        priority_exponent=priority_exponent,
        device=device,
    )

    set_leaves = prioritised_trajectory_buffer.SET_BATCH_FN[device]

    def add(state: PrioritisedTrajectoryBufferState, batch: PyTree) -> PrioritisedTrajectoryBufferState:
        """Writes ``(add_batch_size, K, ...)`` steps, then re-prioritises the windows they change.

        With ``n0`` steps per row before and ``n1 = n0 + K`` after, the windows starting at
        running indices ``r`` in ``[n0 - L + 1, n1 - L]`` become complete and sampleable with
        the running max, and those starting at the new steps ``[n0, n1)`` (incomplete, in
        slots whose old windows lose their first step) get zero. The windows in between
        were zeroed when their first step was added and stay zero, so they are left alone:
        ``2 K`` sum-tree updates per row instead of ``K + L - 1`` (the same tree, bit for
        bit, as a zero delta changes no sum). Later ``r`` come later in the list, so where
        two ``r`` share a slot (``K + L - 1 > max_length_time_axis``) the newer one wins.
        """
        num_steps = jax.tree.leaves(batch)[0].shape[1]
        first = state.running_index
        written = trajectory_buffer.add(state, batch)
        if num_steps < sample_sequence_length:
            offsets = jnp.concatenate([jnp.arange(num_steps) + 1 - sample_sequence_length, jnp.arange(num_steps)])
        else:  # the two ranges meet: every start in [n0 - L + 1, n1)
            offsets = jnp.arange(1 - sample_sequence_length, num_steps)
        starts = first + offsets
        complete = (starts >= 0) & (starts + sample_sequence_length <= first + num_steps)
        priorities = jnp.where(complete, state.sum_tree_state.max_recorded_priority, 0.0)
        out_of_tree = state.sum_tree_state.nodes.shape[0] + 1  # dropped by the sum tree
        slots = jnp.arange(add_batch_size)[:, None] * max_length_time_axis + starts % max_length_time_axis
        slots = jnp.where(starts >= 0, slots, out_of_tree)
        sum_tree_state = set_leaves(
            state.sum_tree_state,
            slots.reshape(-1),
            jnp.broadcast_to(priorities, slots.shape).reshape(-1),
        )
        return written.replace(sum_tree_state=sum_tree_state, running_index=first + num_steps)

    def sample(state: PrioritisedTrajectoryBufferState, key: PRNGKey) -> PrioritisedTrajectoryBufferSample:
        indices = sum_tree.stratified_sample(state.sum_tree_state, sample_batch_size, key)
        probabilities = sum_tree.get_probability(state.sum_tree_state, indices)
        best = jnp.argmax(probabilities)
        valid = probabilities > 0
        indices = jnp.where(valid, indices, indices[best])
        probabilities = jnp.where(valid, probabilities, probabilities[best])
        rows = indices // max_length_time_axis
        times = (indices % max_length_time_axis)[:, None] + jnp.arange(sample_sequence_length)
        experience = jax.tree.map(
            lambda x: x[rows[:, None], times % max_length_time_axis], state.experience
        )
        return PrioritisedTrajectoryBufferSample(
            experience=experience, indices=indices, probabilities=probabilities
        )

    return PrioritisedEpisodeBuffer(
        init=buffer.init,
        add=either_layout(add, add_batch_size),
        sample=sample,
        can_sample=buffer.can_sample,
        set_priorities=lambda state, indices, priorities: buffer.set_priorities(
            state, indices, priorities + priority_epsilon
        ),
        add_batch_size=add_batch_size,
        sample_batch_size=sample_batch_size,
        sample_sequence_length=sample_sequence_length,
        max_length_time_axis=max_length_time_axis,
    )


def importance_weights(probabilities: Array, beta: float | Array) -> Array:
    """PER importance-sampling weights ``(N * P(i)) ** -beta``, divided by their batch maximum.

    Dividing by the maximum (as in Schaul et al.) keeps the weights in ``(0, 1]`` and
    cancels the number of windows ``N``, so only the sampling probabilities are needed.

    Args:
        probabilities: ``(B,)`` probabilities of the sampled windows, all positive.
        beta: correction strength in ``[0, 1]`` (annealed towards 1 during training).

    Returns:
        ``(B,)`` weights.
    """
    log_weights = -beta * jnp.log(probabilities)
    return jnp.exp(log_weights - jnp.max(log_weights))
