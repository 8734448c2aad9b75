"""minGRU as a memoroid cell: a GRU whose gates depend only on the current input.

Reference: Feng et al., "Were RNNs All We Needed?" (2024).
"""

import dataclasses

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan, linear_recurrence
from memorax.networks.sequence_models.validation import check_positive


@dataclasses.dataclass(frozen=True)
class MinGRUConfig:
    """Attributes: features: hidden and output size."""

    features: int

    def __post_init__(self) -> None:
        check_positive("MinGRUConfig", features=self.features)


def _g(x: Array) -> Array:
    """Positive candidate activation of minGRU (continuous, ``x + 0.5`` for x >= 0)."""
    return jnp.where(x >= 0, x + 0.5, nn.sigmoid(x))


class MinGRUCell(MemoroidCell):
    """``h_t = (1 - z_t) h_{t-1} + z_t g(W_h x_t)``, ``z_t = sigmoid(W_z x_t)``; ``y_t = h_t``.

    Carry: ``h`` ``(*batch, features)`` float32. Computes in float32 for any input dtype
    and returns the input dtype (bfloat16 supported).

    Example:
        >>> torso = Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=64)))
    """

    config: MinGRUConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        gates = nn.Dense(2 * self.config.features, name="gates")(inputs).astype(jnp.float32)
        z_logit, candidate = jnp.split(gates, 2, axis=-1)
        elements = (nn.sigmoid(-z_logit), nn.sigmoid(z_logit) * _g(candidate))
        h = scan(linear_recurrence, elements, done, (jnp.ones_like(carry), carry))[1]
        return h[:, -1], h.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return jnp.zeros((*input_shape[:-1], self.config.features), jnp.float32)
