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
