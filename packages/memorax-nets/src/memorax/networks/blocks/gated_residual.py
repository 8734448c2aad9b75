"""GRU-type gated residual connection of GTrXL."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.sequence_models.sequence_model import SequenceModel


class GatedResidual(SequenceModel):
    """Combines the stream ``x`` and ``y = module(x)`` with a GRU gate.

    ``r = sigmoid(W_r y + U_r x)``, ``z = sigmoid(W_z y + U_z x - gate_bias)``,
    ``h = tanh(W_g y + U_g (r * x))``, output ``(1 - z) * x + z * h`` (Parisotto et
    al., 2020, "Stabilizing Transformers for RL", arXiv:1910.06764). A positive
    ``gate_bias`` starts the block close to the identity. The carry is the module's.

    Example:
        >>> block = GatedResidual(PreNorm(FFN(features=64)))
    """

    module: nn.Module
    gate_bias: float = 2.0

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        carry, y = call_block(self.module, inputs, done, initial_carry, **kwargs)
        features = inputs.shape[-1]
        if y.shape[-1] != features:
            raise ValueError(
                f"GatedResidual: the module maps {features} to {y.shape[-1]} features; "
                "the residual stream needs them equal."
            )

        def dense(name: str, use_bias: bool = False) -> nn.Dense:
            return nn.Dense(features, use_bias=use_bias, name=name)

        r = nn.sigmoid(dense("w_r")(y) + dense("u_r")(inputs))
        z = nn.sigmoid(dense("w_z", use_bias=True)(y) + dense("u_z")(inputs) - self.gate_bias)
        h = jnp.tanh(dense("w_g")(y) + dense("u_g")(r * inputs))
        return carry, (1.0 - z) * inputs + z * h

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return block_carry(self.module, key, input_shape)
