"""S5: a diagonal state-space model (zero-order-hold discretisation) as a memoroid cell.

Reference: Smith, Warrington & Linderman, "Simplified State Space Layers for Sequence
Modeling" (ICLR 2023). Eigenvalues use the S4D-Lin initialisation
``-1/2 + i pi n`` (Gu et al., "On the Parameterization and Initialization of Diagonal
State Space Models", 2022).
"""

import dataclasses
import math

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.initializers import log_uniform, scaled_normal
from memorax.networks.sequence_models.lru import readout
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan, linear_recurrence
from memorax.networks.sequence_models.validation import check_interval, check_positive


@dataclasses.dataclass(frozen=True)
class S5Config:
    """Attributes: features (output size), hidden_dim (state size P), dt_min/dt_max (step-size init range)."""

    features: int
    hidden_dim: int = 64
    dt_min: float = 1e-3
    dt_max: float = 1e-1

    def __post_init__(self) -> None:
        check_positive("S5Config", features=self.features, hidden_dim=self.hidden_dim)
        check_interval("S5Config", "dt_min", self.dt_min, "dt_max", self.dt_max, 1e-8, math.inf)


class S5Cell(MemoroidCell):
    """``h_t = exp(Lambda dt) h_{t-1} + ((exp(Lambda dt) - 1) / Lambda) B x_t``, ``y = Re(C h) + D x``.

    Carry: ``h`` ``(*batch, hidden_dim)`` complex64.

    Example:
        >>> torso = Memoroid(cell=S5Cell(config=S5Config(features=64, hidden_dim=64)))
    """

    config: S5Config

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        config, f_in = self.config, inputs.shape[-1]
        size = (config.hidden_dim,)
        real_log = self.param("lambda_real_log", nn.initializers.constant(math.log(0.5)), size)
        imag = self.param("lambda_imag", lambda _, s: math.pi * jnp.arange(s[0], dtype=jnp.float32), size)
        log_dt = self.param("log_dt", log_uniform(config.dt_min, config.dt_max), size)
        params = {
            name: self.param(name, scaled_normal(fan_in), shape)
            for name, fan_in, shape in [
                ("b_re", f_in, (config.hidden_dim, f_in)), ("b_im", f_in, (config.hidden_dim, f_in)),
                ("c_re", config.hidden_dim, (config.features, config.hidden_dim)),
                ("c_im", config.hidden_dim, (config.features, config.hidden_dim)),
                ("d", f_in, (config.features, f_in)),
            ]
        }
        eigenvalues = -jnp.exp(real_log) + 1j * imag
        decay = jnp.exp(eigenvalues * jnp.exp(log_dt))
        x = inputs.astype(jnp.float32)
        b = ((decay - 1.0) / eigenvalues) * (x @ params["b_re"].T + 1j * (x @ params["b_im"].T))
        h = scan(linear_recurrence, (jnp.broadcast_to(decay, b.shape), b), done, (jnp.ones_like(carry), carry))[1]
        return h[:, -1], readout(params, h, inputs)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return jnp.zeros((*input_shape[:-1], self.config.hidden_dim), jnp.complex64)
