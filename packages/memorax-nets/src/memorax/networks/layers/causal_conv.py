"""Depthwise causal convolution over time whose window lives in an explicit state."""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class CausalConv1d(nn.Module):
    """``state, y = conv(x, done, state)``: x ``(B, T, features)``, done ``(B, T)``, state ``(B, k-1, features)``.

    ``y_t = sum_j w_j x_{t-j}`` over the last ``kernel_size`` steps of the *current
    episode*: inputs from before the latest ``done`` (including those held in ``state``)
    count as zeros, exactly as if the window had been cleared at the episode start. The
    returned state holds the last ``k - 1`` inputs (zeros before the episode start), so
    any chunking of a sequence gives the same outputs. Computes in float32.

    Example:
        >>> conv = CausalConv1d(features=64, kernel_size=4)
        >>> state, y = conv.apply(params, x, done, conv.initialize_state((B,)))
    """

    features: int
    kernel_size: int = 4
    use_bias: bool = True

    def __post_init__(self) -> None:
        if self.features <= 0 or self.kernel_size <= 0:
            raise ValueError(
                f"CausalConv1d needs positive features and kernel_size, got {self.features} "
                f"and {self.kernel_size}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, done: Array, state: Array) -> tuple[Array, Array]:
        k, length = self.kernel_size, x.shape[1]
        kernel = self.param(
            "kernel", nn.initializers.normal(1.0 / k**0.5), (k, self.features)
        )
        window = jnp.concatenate([state, x.astype(jnp.float32)], axis=1)
        episode = jnp.cumsum(done.astype(jnp.int32), axis=1)
        window_episode = jnp.concatenate([jnp.zeros((x.shape[0], k - 1), jnp.int32), episode], axis=1)
        y = jnp.zeros(x.shape, jnp.float32)
        for i in range(k):  # k is a small static kernel size; kernel[k - 1] weighs the current step
            same_episode = window_episode[:, i:i + length] == episode
            y = y + kernel[i] * jnp.where(same_episode[..., None], window[:, i:i + length], 0.0)
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros_init(), (self.features,))
        keep = window_episode[:, length:] == episode[:, -1:]
        return jnp.where(keep[..., None], window[:, length:], 0.0), y

    @nn.nowrap
    def initialize_state(self, batch_shape: tuple[int, ...]) -> Array:
        """Empty window ``(*batch, kernel_size - 1, features)`` float32."""
        return jnp.zeros((*batch_shape, self.kernel_size - 1, self.features), jnp.float32)
