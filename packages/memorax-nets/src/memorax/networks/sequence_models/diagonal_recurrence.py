"""Complex diagonal linear recurrence shared by LRU and RTU, with exact RTRL.

``h_t = lambda * h_{t-1} + gamma * (B x_t)`` with ``lambda = exp(-exp(nu_log) + i exp(theta_log))``
(one complex eigenvalue per hidden unit, stable by construction) and the optional
normalizer ``gamma = exp(gamma_log)``. Because the recurrence is diagonal, the forward
sensitivities ``dh_t/dparam`` of real-time recurrent learning (RTRL) cost O(H F) per
step and follow the same linear recurrence, so they run through the same resettable scan.

References: Orvieto et al. (2023) "Resurrecting Recurrent Neural Networks for Long
Sequences"; Elelimy et al. (2024) "Real-Time Recurrent Learning using Trace Units in
Reinforcement Learning"; Zucchet et al. (2023) "Online learning of long-range
dependencies".

Params are a dict ``{nu_log (H,), theta_log (H,), b_re (H, F), b_im (H, F)[, gamma_log (H,)]}``.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PyTree
from memorax.networks.initializers import ring_nu_log, ring_theta_log, scaled_normal
from memorax.networks.sequence_models.scan import Scan, last, linear_recurrence

RECURRENT_PARAMS = ("nu_log", "theta_log", "b_re", "b_im", "gamma_log")


def declare_params(
    module: nn.Module, input_features: int, hidden_dim: int, r_min: float, r_max: float,
    max_phase: float, normalize: bool,
) -> dict[str, Array]:
    """Declares the recurrence parameters on ``module`` (call inside a compact method)."""
    params = {
        "nu_log": module.param("nu_log", ring_nu_log(r_min, r_max), (hidden_dim,)),
        "theta_log": module.param("theta_log", ring_theta_log(max_phase), (hidden_dim,)),
        "b_re": module.param("b_re", scaled_normal(input_features), (hidden_dim, input_features)),
        "b_im": module.param("b_im", scaled_normal(input_features), (hidden_dim, input_features)),
    }
    if normalize:
        magnitude = jnp.exp(-jnp.exp(params["nu_log"]))
        params["gamma_log"] = module.param(
            "gamma_log", lambda _, __: jnp.log(jnp.sqrt(jnp.maximum(1.0 - magnitude**2, 1e-6))), (hidden_dim,)
        )
    return params


def decay(params: PyTree) -> Array:
    """Eigenvalues ``lambda`` ``(H,)`` complex64."""
    return jnp.exp(-jnp.exp(params["nu_log"]) + 1j * jnp.exp(params["theta_log"]))


def _gain(params: PyTree) -> Array:
    return jnp.exp(params["gamma_log"]) if "gamma_log" in params else 1.0


def drive(params: PyTree, inputs: Array) -> Array:
    """``gamma * (B x)``: inputs ``(..., F)`` -> ``(..., H)`` complex64."""
    inputs = inputs.astype(jnp.float32)
    return _gain(params) * (inputs @ params["b_re"].T + 1j * (inputs @ params["b_im"].T))


def step(params: PyTree, h: Array, inputs: Array) -> Array:
    """One step for a single time slice: ``h (B, H)``, inputs ``(B, F)``."""
    return decay(params) * h + drive(params, inputs)


def states(params: PyTree, inputs: Array, done: Array, h0: Array, scan: Scan) -> Array:
    """All states ``(B, T, H)`` from inputs ``(B, T, F)`` and the carry ``h0 (B, H)``."""
    b = drive(params, inputs)
    elements = (jnp.broadcast_to(decay(params), b.shape), b)
    return scan(linear_recurrence, elements, done, (jnp.ones_like(h0), h0))[1]


def initialize_sensitivity(batch_shape: tuple[int, ...], hidden_dim: int, input_features: int,
                           normalize: bool) -> dict[str, Array]:
    """Zero sensitivities ``dh/dparam`` (``b`` also stands for ``b_im``: ``dh/db_im = i dh/db_re``)."""
    vector = jnp.zeros((*batch_shape, hidden_dim), jnp.complex64)
    sensitivity = {"nu_log": vector, "theta_log": vector,
                   "b": jnp.zeros((*batch_shape, hidden_dim, input_features), jnp.complex64)}
    if normalize:
        sensitivity["gamma_log"] = vector
    return sensitivity


def rtrl_states(
    params: PyTree, inputs: Array, done: Array, h0: Array, sensitivity0: PyTree, scan: Scan
) -> tuple[Array, Array, PyTree]:
    """States whose gradient flows only through the forward sensitivities.

    Returns ``(h, h_last, sensitivity_last)``: ``h (B, T, H)`` equals :func:`states` in
    value, but its dependence on the recurrence parameters is the exact total derivative
    carried forward from ``sensitivity0`` (the "phantom" ``sum_p S_p (p - stop_grad(p))``),
    so backpropagating a loss through ``h`` never goes back in time.
    """
    frozen, live = jax.lax.stop_gradient(params), params
    h = states(frozen, inputs, done, h0, scan)
    h_prev = jnp.concatenate([h0[:, None], h[:, :-1]], axis=1)
    h_prev = jnp.where(done[..., None], 0.0, h_prev)
    lam = decay(frozen)
    drives = {
        "nu_log": -jnp.exp(frozen["nu_log"]) * lam * h_prev,
        "theta_log": 1j * jnp.exp(frozen["theta_log"]) * lam * h_prev,
        "b": ((jnp.ones(lam.shape) * _gain(frozen))[:, None] * inputs.astype(jnp.float32)[..., None, :]).astype(lam.dtype),
    }
    if "gamma_log" in frozen:
        drives["gamma_log"] = drive(frozen, inputs)
    sensitivities = {
        name: scan(
            linear_recurrence,
            (jnp.broadcast_to(lam.reshape(lam.shape + (1,) * (u.ndim - 3)), u.shape), u),
            done,
            (jnp.ones_like(sensitivity0[name]), sensitivity0[name]),
        )[1]
        for name, u in drives.items()
    }
    delta = {name: live[name] - frozen[name] for name in live if name in RECURRENT_PARAMS}
    phantom = (
        sensitivities["nu_log"] * delta["nu_log"]
        + sensitivities["theta_log"] * delta["theta_log"]
        + jnp.einsum("bthf,hf->bth", sensitivities["b"], delta["b_re"] + 1j * delta["b_im"])
    )
    if "gamma_log" in delta:
        phantom = phantom + sensitivities["gamma_log"] * delta["gamma_log"]
    return h + phantom, h[:, -1], jax.lax.stop_gradient(last(sensitivities))
