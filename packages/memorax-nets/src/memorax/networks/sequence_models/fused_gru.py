"""flax's ``nn.GRUCell`` over a whole sequence with fused matrix products (Cho et al. 2014).

Stepping ``nn.GRUCell`` runs six small matrix products per step (three input and three
recurrent Dense layers), and twelve more in the backward pass. Here the input
projections of all steps are one ``(B * T, F) @ (F, 3H)`` product before the loop and
the three recurrent ones are one ``(B, H) @ (H, 3H)`` product per step: the same
equations and the same parameters (``ir iz in hr hz hn``), with a third of the per-step
work. The backward pass (a custom VJP) likewise runs one product per step and computes
the recurrent weights' gradient in one product after the loop. On CPU the per-step
products are small, so their count, not their size, is what a GRU costs. Forward-mode
differentiation (``jax.jvp``) of a fused GRU is not supported; wrap the cell in a
subclass of ``nn.GRUCell`` to step it unfused.
"""

import functools
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Params

_INPUT = ("ir", "iz", "in")
_RECURRENT = ("hr", "hz", "hn")


def is_fusable(cell: nn.Module) -> bool:
    """Whether ``cell`` is flax's own ``GRUCell`` (not a subclass) computing in its parameters' dtype."""
    return type(cell) is nn.GRUCell and cell.dtype is None


def gru_sequence(
    params: Params,
    gate_fn: Callable[[Array], Array],
    activation_fn: Callable[[Array], Array],
    inputs: Array,
    reset: Array,
    carry: Array,
    fresh: Array,
    unroll: int = 1,
) -> tuple[Array, Array]:
    """``nn.GRUCell`` with parameters ``params`` over ``inputs`` ``(B, T, F)``.

    Before step ``t`` the rows with ``reset[b, t]`` start again from ``fresh`` ``(B, H)``.
    Returns the last hidden state ``(B, H)`` and every step's ``(B, T, H)``.
    """
    input_kernel = jnp.concatenate([params[name]["kernel"] for name in _INPUT], axis=1)
    input_bias = jnp.concatenate([params[name]["bias"] for name in _INPUT])
    time_major = jnp.swapaxes(inputs, 0, 1)
    projected = jnp.reshape(time_major, (-1, inputs.shape[-1])) @ input_kernel + input_bias
    # One (T * B, F) @ (F, 3H) product (and one for its weight gradient: 1.6x faster on CPU
    # than three of (F, H)), split into three (T, B, H) arrays before the loop: slicing the
    # gates out of each step's (B, 3H) inside the loop kept XLA:CPU from vectorising it.
    projected = tuple(jnp.reshape(x, (*time_major.shape[:2], -1)) for x in jnp.split(projected, 3, axis=-1))
    recurrent_kernel = jnp.concatenate([params[name]["kernel"] for name in _RECURRENT], axis=1)
    carry, outputs = _recurrence(
        gate_fn, activation_fn, unroll, recurrent_kernel, params["hn"]["bias"], projected,
        jnp.swapaxes(reset, 0, 1), carry, fresh,
    )
    return carry, jnp.swapaxes(outputs, 0, 1)


def _cell_update(gate_fn: Callable, activation_fn: Callable, x: tuple, hh: tuple, h: Array) -> Array:
    """The GRU's new state from the input projections ``x`` and the recurrent ones ``hh`` (``(B, H)`` each) of ``h``."""
    x_r, x_z, x_n = x
    h_r, h_z, h_n = hh
    r = gate_fn(x_r + h_r)
    z = gate_fn(x_z + h_z)
    n = activation_fn(x_n + r * h_n)
    return (1.0 - z) * n + z * h


def _recurrence_forward(gate_fn, activation_fn, unroll, kernel, candidate_bias, projected, reset, carry, fresh):
    def step(h: Array, xs: tuple) -> tuple[Array, tuple]:
        x, reset_t = xs
        h = jnp.where(reset_t[:, None], fresh, h)
        h_r, h_z, h_n = jnp.split(h @ kernel, 3, axis=-1)
        hh = (h_r, h_z, h_n + candidate_bias)
        new = _cell_update(gate_fn, activation_fn, x, hh, h)
        return new, (new, hh)

    last, (outputs, recurrent) = jax.lax.scan(step, carry, (projected, reset), unroll=unroll)
    # Every step's state after its reset, rebuilt outside the loop (one store fewer per step).
    previous = jnp.where(reset[..., None], fresh, jnp.concatenate([carry[None], outputs[:-1]]))
    return (last, outputs), (kernel, projected, reset, previous, recurrent)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _recurrence(gate_fn, activation_fn, unroll, kernel, candidate_bias, projected, reset, carry, fresh):
    """The recurrent part over time-major projections ``(T, B, H)`` x3: ``(last (B, H), outputs (T, B, H))``.

    Its backward pass runs one ``(B, 3H) @ (3H, H)`` product per step and leaves the
    recurrent weights' gradient to one ``(H, T * B) @ (T * B, 3H)`` product after the
    loop (autodiff would accumulate it step by step).
    """
    return _recurrence_forward(gate_fn, activation_fn, unroll, kernel, candidate_bias, projected, reset, carry, fresh)[0]


def _recurrence_backward(gate_fn, activation_fn, unroll, residuals, cotangents):
    kernel, projected, reset, previous, recurrent = residuals
    d_last, d_outputs = cotangents
    kernel_t = kernel.T

    def step(dh: Array, xs: tuple) -> tuple[Array, tuple]:
        x, hh, h, reset_t, d_output = xs
        _, cell_vjp = jax.vjp(functools.partial(_cell_update, gate_fn, activation_fn), x, hh, h)
        (_, _, dx_n), dhh, dh_previous = cell_vjp(dh + d_output)
        dh_previous = dh_previous + jnp.concatenate(dhh, axis=-1) @ kernel_t
        mask = reset_t[:, None]
        # The reset and update gates add their input and recurrent projections: one cotangent each.
        return jnp.where(mask, 0.0, dh_previous), (dx_n, dhh, jnp.where(mask, dh_previous, 0.0))

    d_carry, (dx_n, d_recurrent, d_fresh) = jax.lax.scan(
        step, d_last, (projected, recurrent, previous, reset, d_outputs), reverse=True, unroll=unroll
    )
    rows = lambda x: jnp.reshape(x, (-1, x.shape[-1]))
    d_kernel = rows(previous).T @ jnp.concatenate([rows(d) for d in d_recurrent], axis=1)
    d_candidate_bias = jnp.sum(d_recurrent[2], axis=(0, 1))
    d_projected = (d_recurrent[0], d_recurrent[1], dx_n)
    return d_kernel, d_candidate_bias, d_projected, None, d_carry, jnp.sum(d_fresh, axis=0)


_recurrence.defvjp(
    lambda gate_fn, activation_fn, unroll, *args: _recurrence_forward(gate_fn, activation_fn, unroll, *args),
    _recurrence_backward,
)
