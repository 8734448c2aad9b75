"""Linear Recurrent Unit (LRU) as a memoroid cell.

Reference: Orvieto et al., "Resurrecting Recurrent Neural Networks for Long Sequences"
(ICML 2023).
"""

import dataclasses
import math

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey, PyTree
from memorax.networks.initializers import scaled_normal
from memorax.networks.sequence_models import diagonal_recurrence
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_interval, check_positive


@dataclasses.dataclass(frozen=True)
class LRUConfig:
    """LRU sizes and eigenvalue initialisation.

    Attributes:
        features: output size.
        hidden_dim: number of complex hidden units.
        r_min, r_max: eigenvalue magnitudes are drawn uniformly on this ring (0 <= r_min < r_max <= 1).
        max_phase: eigenvalue phases are drawn uniformly in ``[0, max_phase]``.
    """

    features: int
    hidden_dim: int = 64
    r_min: float = 0.0
    r_max: float = 0.99
    max_phase: float = 2 * math.pi

    def __post_init__(self) -> None:
        check_positive("LRUConfig", features=self.features, hidden_dim=self.hidden_dim,
                       max_phase=self.max_phase)
        check_interval("LRUConfig", "r_min", self.r_min, "r_max", self.r_max, 0.0, 1.0)


def readout(params: PyTree, h: Array, inputs: Array) -> Array:
    """``y = Re(C h) + D x``: h ``(B, T, H)`` complex, inputs ``(B, T, F)`` -> ``(B, T, features)``."""
    y = h.real @ params["c_re"].T - h.imag @ params["c_im"].T
    return (y + inputs.astype(jnp.float32) @ params["d"].T).astype(inputs.dtype)


class LRUCell(MemoroidCell):
    """Complex diagonal linear recurrence ``h_t = lambda h_{t-1} + gamma B x_t``, ``y = Re(C h) + D x``.

    Carry: ``h`` ``(*batch, hidden_dim)`` complex64. Supports :class:`RTRL`.

    Example:
        >>> torso = Memoroid(cell=LRUCell(config=LRUConfig(features=64, hidden_dim=64)))
    """

    config: LRUConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        params = self.declare_params(inputs.shape[-1])
        h = diagonal_recurrence.states(params, inputs, done, carry, scan)
        return h[:, -1], readout(params, h, inputs)

    def declare_params(self, input_features: int) -> dict[str, Array]:
        config = self.config
        params = diagonal_recurrence.declare_params(
            self, input_features, config.hidden_dim, config.r_min, config.r_max,
            config.max_phase, normalize=True,
        )
        hidden = scaled_normal(config.hidden_dim)
        params["c_re"] = self.param("c_re", hidden, (config.features, config.hidden_dim))
        params["c_im"] = self.param("c_im", hidden, (config.features, config.hidden_dim))
        params["d"] = self.param("d", scaled_normal(input_features), (config.features, input_features))
        return params

    @nn.nowrap
    def rtrl(self, params: PyTree, inputs: Array, done: Array, carry: Carry, sensitivity: PyTree,
             scan: Scan) -> tuple[Carry, PyTree, Array]:
        """Same outputs as ``__call__``; the recurrence's gradient comes from ``sensitivity``."""
        h, h_last, sensitivity = diagonal_recurrence.rtrl_states(params, inputs, done, carry, sensitivity, scan)
        return h_last, sensitivity, readout(params, h, inputs)

    @nn.nowrap
    def initialize_sensitivity(self, batch_shape: tuple[int, ...], input_features: int) -> PyTree:
        return diagonal_recurrence.initialize_sensitivity(
            batch_shape, self.config.hidden_dim, input_features, normalize=True
        )

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return jnp.zeros((*input_shape[:-1], self.config.hidden_dim), jnp.complex64)
