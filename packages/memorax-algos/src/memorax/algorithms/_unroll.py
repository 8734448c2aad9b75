"""Replaying a stored sequence through a network, with the value of every true next observation.

Off-policy targets need ``f(o_{t+1})`` for every step ``t`` of a replayed window, where
``o_{t+1}`` is the *true* next observation (``Transition.next_observation``: the final
observation where the episode ended, which the next stored step does not hold) seen
with the memory of ``o_0 .. o_t``. :func:`unroll_with_next` gets both from one pass:
at each step it applies the network to ``o_t`` (advancing the carry) and "probes" it
with ``(o_{t+1}, a_t, r_t, done=False)`` from the carry after ``o_t``, without keeping
the probe's carry. Where the episode goes on, the probe is exactly the next step's
input, so this is the usual "unroll over L + 1 observations from the same stored carry
and shift by one" (no off-by-one between online and target networks), and it stays
right at truncations and at the window's last step.

Stateless networks skip the scan: both passes are whole-sequence calls.
"""

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.algorithms._network import apply_sequence, apply_with_aux_losses
from memorax.algorithms._tree import swap_leading_axes
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, Params, PRNGKey, PyTree

Read = Callable[[Any, PRNGKey], PyTree]


def next_timesteps(transitions: Transition) -> Timestep:
    """The ``(B, T)`` probe inputs ``(o_{t+1}, a_t, r_t, done=False)`` of stored transitions."""
    return Timestep(
        observation=transitions.next_observation,
        action=transitions.action,
        reward=transitions.reward,
        done=jnp.zeros_like(transitions.terminated),
    )


def unroll_with_next(
    network: nn.Module,
    params: Params,
    transitions: Transition,
    carry: Carry,
    read: Read,
    key: PRNGKey,
    kwargs: dict[str, Array] | None = None,
    next_kwargs: dict[str, Array] | None = None,
) -> tuple[PyTree, PyTree, Array]:
    """Outputs at every ``o_t`` and every true ``o_{t+1}`` of a ``(B, T)`` window from ``carry``.

    Args:
        network: a memorax Network.
        transitions: ``(B, T, ...)`` stored transitions (timestep, action, reward,
            terminated, next_observation are used).
        carry: the carry before the window's first step (``None`` if stateless).
        read: ``read(head_output, key) -> arrays (B, t, ...)``, e.g. Q-values, or an
            action sample and its log-probability from a policy.
        key: randomness for ``read`` (split per step and per probe).
        kwargs, next_kwargs: ``(B, T, ...)`` per-step keyword inputs of the network for
            the steps and the probes (e.g. a critic's ``current_action``).

    Returns:
        ``(current, next, aux_loss)``: ``read`` at ``o_t`` and at ``o_{t+1}``, each
        ``(B, T, ...)``, and the auxiliary losses sown on the steps (mean over steps).
    """
    kwargs, next_kwargs = kwargs or {}, next_kwargs or {}
    probes = next_timesteps(transitions)
    now_key, next_key = jax.random.split(key)
    if carry is None:
        _, out, aux_loss = apply_with_aux_losses(network, params, transitions.timestep, None, **kwargs)
        _, next_out = apply_sequence(network, params, probes, None, **next_kwargs)
        return read(out, now_key), read(next_out, next_key), aux_loss

    def one_step(x: Any) -> Any:
        return jax.tree.map(lambda leaf: leaf[:, None], x)

    def step(carry: Carry, xs: tuple) -> tuple[Carry, tuple]:
        timestep, probe, step_kwargs, probe_kwargs, step_key = xs
        now_key, next_key = jax.random.split(step_key)
        new_carry, out, aux_loss = apply_with_aux_losses(
            network, params, one_step(timestep), carry, **one_step(step_kwargs)
        )
        _, next_out = apply_sequence(network, params, one_step(probe), new_carry, **one_step(probe_kwargs))
        return new_carry, (read(out, now_key), read(next_out, next_key), aux_loss)

    time_major = swap_leading_axes((transitions.timestep, probes, kwargs, next_kwargs))
    num_steps = jnp.shape(transitions.reward)[1]
    _, (now, after, aux_losses) = jax.lax.scan(step, carry, (*time_major, jax.random.split(now_key, num_steps)))
    merge = lambda x: swap_leading_axes(x)[:, :, 0]  # (T, B, 1, ...) -> (B, T, ...)
    return jax.tree.map(merge, now), jax.tree.map(merge, after), jnp.mean(aux_losses)


def next_outputs(
    network: nn.Module,
    params: Params,
    timestep: Timestep,
    carry: Carry,
    outputs: PyTree,
    final_carry: Carry,
    probes: Timestep,
    ends: Array,
) -> PyTree:
    """Head outputs at every true next observation ``o_{t+1}`` of a ``(B, T)`` window, without gradients.

    Built from one unroll of the window (``outputs``, ``final_carry``) so that a
    memoroid keeps its parallel scan: where step ``t`` did not end its episode,
    ``o_{t+1}`` is the window's next input and its output is ``outputs[:, t + 1]``; the
    last step's probe runs one step from ``final_carry``. Only where ``ends[:, t]``
    (step ``t`` ended an episode whose final observation is needed, i.e. a truncation)
    is ``o_{t+1}`` missing from the window: it is read by replaying the window with
    the probe in place of input ``t + 1``, which continues from the carry after ``o_t``.
    One replay per ended step and row, batched over rows; replays run only while some
    row still has one, so windows without truncations cost nothing extra. Stateless
    networks apply to the probes directly.

    Args:
        network: a memorax Network; params: its parameters (gradients are stopped).
        timestep: ``(B, T)`` window inputs that produced ``outputs`` from ``carry``.
        outputs: ``(B, T, ...)`` head outputs of that unroll; final_carry: its carry.
        probes: ``(B, T)`` inputs ``(o_{t+1}, a_t, r_t, done=False)``
            (:func:`next_timesteps`).
        ends: ``(B, T)`` bool, the steps whose ``o_{t+1}`` is a final observation to read.

    Returns:
        ``(B, T, ...)`` outputs at ``o_{t+1}``.
    """
    params = jax.lax.stop_gradient(params)
    outputs = jax.lax.stop_gradient(outputs)
    if carry is None:
        return apply_sequence(network, params, probes, None)[1]
    last_probe = jax.tree.map(lambda x: x[:, -1], probes)
    _, last = apply_sequence(network, params, last_probe.to_sequence(), final_carry)
    shifted = jax.tree.map(lambda now, end: jnp.concatenate([now[:, 1:], end], axis=1), outputs, last)
    ends = ends.at[:, -1].set(False)
    rank = jnp.cumsum(ends, axis=1) - 1
    shift_right = lambda x: jnp.concatenate([jnp.zeros_like(x[:, :1]), x[:, :-1]], axis=1)

    def replay(state: tuple[Array, PyTree]) -> tuple[Array, PyTree]:
        round_, result = state
        chosen = ends & (rank == round_)  # one ended step per row
        at = shift_right(chosen)  # ... whose probe replaces the next input
        moved = jax.tree.map(shift_right, probes)
        inputs = jax.tree.map(lambda x, p: jnp.where(expand_like(at, x), p, x), timestep, moved)
        _, out = apply_sequence(network, params, inputs, carry)
        read = jax.tree.map(lambda x: jnp.concatenate([x[:, 1:], x[:, :1]], axis=1), out)
        result = jax.tree.map(lambda r, o: jnp.where(expand_like(chosen, r), o, r), result, read)
        return round_ + 1, result

    rounds = jnp.max(jnp.sum(ends, axis=1))
    _, result = jax.lax.while_loop(lambda state: state[0] < rounds, replay, (jnp.zeros((), jnp.int32), shifted))
    return result


def expand_like(x: Array, like: Array) -> Array:
    """``(B, T)`` ``x`` (a mask, time indices) with trailing unit axes to broadcast against ``like``."""
    return x.reshape(x.shape + (1,) * (like.ndim - x.ndim))
