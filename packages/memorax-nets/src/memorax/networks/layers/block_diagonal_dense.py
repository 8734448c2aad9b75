"""Dense layer with one independent weight block per head (xLSTM recurrent matrices)."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class BlockDiagonalDense(nn.Module):
    """``(..., num_heads * d_in) -> (..., features)``: head ``i``'s inputs feed only head ``i``'s outputs.

    Reference: Beck et al., "xLSTM: Extended Long Short-Term Memory" (2024), sLSTM.
    """

    features: int
    num_heads: int
    use_bias: bool = True

    def __post_init__(self) -> None:
        if self.num_heads <= 0 or self.features % self.num_heads != 0:
            raise ValueError(
                f"BlockDiagonalDense.features={self.features} must be a positive multiple of "
                f"num_heads={self.num_heads}; choose features divisible by num_heads."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array) -> Array:
        heads = self.num_heads
        if x.shape[-1] % heads != 0:
            raise ValueError(
                f"BlockDiagonalDense input width {x.shape[-1]} is not divisible by num_heads={heads}."
            )
        d_in, d_out = x.shape[-1] // heads, self.features // heads
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (heads, d_in, d_out))
        y = jnp.einsum("...hi,hio->...ho", x.reshape(*x.shape[:-1], heads, d_in), kernel)
        y = y.reshape(*x.shape[:-1], self.features)
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros_init(), (self.features,))
        return y
