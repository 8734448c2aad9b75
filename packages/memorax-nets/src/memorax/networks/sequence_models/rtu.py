"""Recurrent Trace Unit (RTU): a complex diagonal RNN cell built for online RTRL.

Reference: Elelimy et al., "Real-Time Recurrent Learning using Trace Units in
Reinforcement Learning" (NeurIPS 2024).
"""

import math

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey, PyTree
from memorax.networks.initializers import scaled_normal
from memorax.networks.sequence_models import diagonal_recurrence
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_interval, check_positive


def readout(params: PyTree, h: Array) -> Array:
    """``y = W [relu(Re h), relu(Im h)] + bias``: h ``(..., H)`` -> ``(..., features)``."""
    traces = jnp.concatenate([nn.relu(h.real), nn.relu(h.imag)], axis=-1)
    return traces @ params["w_out"] + params["bias"]


class RTUCell(nn.RNNCellBase):
    """``h_t = lambda * h_{t-1} + W x_t`` (complex, diagonal), ``y_t = Dense([relu(Re h_t), relu(Im h_t)])``.

    Use under :class:`RNN`; supports :class:`RTRL`. Carry: ``h`` ``(*batch, hidden_dim)`` complex64.

    Example:
        >>> torso = RTRL(RNN(cell=RTUCell(features=64, hidden_dim=64)))
    """

    features: int
    hidden_dim: int = 64
    r_min: float = 0.0
    r_max: float = 0.99
    max_phase: float = 2 * math.pi

    def __post_init__(self) -> None:
        check_positive("RTUCell", features=self.features, hidden_dim=self.hidden_dim,
                       max_phase=self.max_phase)
        check_interval("RTUCell", "r_min", self.r_min, "r_max", self.r_max, 0.0, 1.0)
        super().__post_init__()

    @nn.compact
    def __call__(self, carry: Carry, inputs: Array) -> tuple[Carry, Array]:
        params = diagonal_recurrence.declare_params(
            self, inputs.shape[-1], self.hidden_dim, self.r_min, self.r_max, self.max_phase,
            normalize=False,
        )
        params["w_out"] = self.param("w_out", scaled_normal(self.hidden_dim), (2 * self.hidden_dim, self.features))
        params["bias"] = self.param("bias", nn.initializers.zeros_init(), (self.features,))
        h = diagonal_recurrence.step(params, carry, inputs)
        return h, readout(params, h).astype(inputs.dtype)

    @nn.nowrap
    def rtrl(self, params: PyTree, inputs: Array, done: Array, carry: Carry, sensitivity: PyTree,
             scan: Scan) -> tuple[Carry, PyTree, Array]:
        """A whole ``(B, T, F)`` sequence; the recurrence's gradient comes from ``sensitivity``."""
        h, h_last, sensitivity = diagonal_recurrence.rtrl_states(params, inputs, done, carry, sensitivity, scan)
        return h_last, sensitivity, readout(params, h).astype(inputs.dtype)

    @nn.nowrap
    def initialize_sensitivity(self, batch_shape: tuple[int, ...], input_features: int) -> PyTree:
        return diagonal_recurrence.initialize_sensitivity(batch_shape, self.hidden_dim, input_features,
                                                          normalize=False)

    @nn.nowrap
    def initialize_carry(self, rng: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return jnp.zeros((*input_shape[:-1], self.hidden_dim), jnp.complex64)

    @property
    def num_feature_axes(self) -> int:
        return 1
