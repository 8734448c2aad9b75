"""Fast and Forgetful Memory (FFM) as a memoroid cell, in relative time.

Reference: Morad et al., "Reinforcement Learning with Fast and Forgetful Memory"
(NeurIPS 2023).

Each element carries its own time span ``dt`` (1 per step); combining two elements
decays the earlier one by ``gamma ** dt_later``. Decay therefore depends only on how many
steps lie between two points of the same episode, never on a position inside a call (the
upstream bug: an absolute per-call time index made acting with T=1 differ from training).
"""

import dataclasses

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_interval, check_positive


@dataclasses.dataclass(frozen=True)
class FFMConfig:
    """FFM sizes.

    Attributes:
        features: output size.
        memory_size: number of gated input traces (m).
        context_size: number of oscillation frequencies per trace (c).
        min_period, max_period: the decay half-lives and the oscillation periods span this range (steps).
    """

    features: int
    memory_size: int = 32
    context_size: int = 4
    min_period: float = 1.0
    max_period: float = 1024.0

    def __post_init__(self) -> None:
        check_positive("FFMConfig", features=self.features, memory_size=self.memory_size,
                       context_size=self.context_size)
        check_interval("FFMConfig", "min_period", self.min_period, "max_period", self.max_period, 1e-3, np.inf)


class FFMCell(MemoroidCell):
    """``S_t = gamma * S_{t-1} + x~_t 1^T`` with ``gamma = exp(-alpha - i omega)`` ``(m, c)``, gated readout.

    Carry: ``S`` ``(*batch, memory_size, context_size)`` complex64.

    Example:
        >>> torso = Memoroid(cell=FFMCell(config=FFMConfig(features=64)))
    """

    config: FFMConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        config = self.config
        m, c = config.memory_size, config.context_size
        half_lives = np.geomspace(config.min_period, config.max_period, m)
        alpha = self.param("alpha", lambda _, s: jnp.asarray(np.log(2.0) / half_lives, jnp.float32), (m,))
        omega = self.param(
            "omega",
            lambda _, s: jnp.asarray(2 * np.pi / np.linspace(config.min_period + 1, config.max_period, c), jnp.float32),
            (c,),
        )
        log_gamma = -jnp.abs(alpha)[:, None] - 1j * omega[None, :]

        def operator(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
            (span_a, state_a), (span_b, state_b) = a, b
            return span_a + span_b, jnp.exp(span_b * log_gamma) * state_a + state_b

        x = inputs.astype(jnp.float32)
        value, gate = jnp.split(nn.Dense(2 * m, name="input_gate")(x), 2, axis=-1)
        trace = (value * nn.sigmoid(gate))[..., None] * jnp.ones((c,), jnp.complex64)
        span = jnp.ones((*x.shape[:2], 1, 1), jnp.float32)
        states = scan(operator, (span, trace), done, (jnp.zeros((*carry.shape[:-2], 1, 1)), carry))[1]
        z = jnp.concatenate([states.real, states.imag], axis=-1).reshape(*x.shape[:2], 2 * m * c)
        z = nn.LayerNorm(name="norm")(nn.Dense(config.features, name="mix")(z))
        skip = nn.Dense(config.features, name="skip")(x)
        out_gate = nn.sigmoid(nn.Dense(config.features, name="output_gate")(x))
        return states[:, -1], (z * out_gate + skip * (1.0 - out_gate)).astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        shape = (*input_shape[:-1], self.config.memory_size, self.config.context_size)
        return jnp.zeros(shape, jnp.complex64)
