"""GRU-type gated residual connection of GTrXL."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.layers.fused_dense import DenseWeights, dense_together
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

        def weights(name: str, use_bias: bool = False) -> DenseWeights:
            return DenseWeights(features, (features,), use_bias, name=name)

        # One matmul for the three projections of y and one for the two of x (as nn.Dense).
        w_r, w_z, w_g = dense_together((weights("w_r"), weights("w_z", use_bias=True), weights("w_g")), y)
        u_r, u_z = dense_together((weights("u_r"), weights("u_z")), inputs)
        r = nn.sigmoid(w_r + u_r)
        z = nn.sigmoid(w_z + u_z - self.gate_bias)
        (u_g,) = dense_together((weights("u_g"),), r * inputs)
        h = jnp.tanh(w_g + u_g)
        return carry, (1.0 - z) * inputs + z * h

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return block_carry(self.module, key, input_shape)
