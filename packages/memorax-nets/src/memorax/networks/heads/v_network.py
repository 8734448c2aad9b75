"""State-value head."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class VNetwork(nn.Module):
    """Scalar state value ``V(s)``.

    Shapes: ``x`` ``(B, T, F)`` -> values ``(B, T)``.

    Every value head exposes the same two pure methods, so an algorithm can use any
    of them (e.g. :class:`HLGaussVNetwork`) without knowing its output format:
    ``head.value(out) -> (B, T)`` and ``head.loss(out, targets) -> (B, T)``
    (per-step, not reduced). Call them on ``network.head``; they use no parameters.

    Example:
        >>> head = VNetwork()
        >>> carry, v = critic.apply(params, obs, done, action, reward)
        >>> loss = critic.head.loss(v, returns).mean()
    """

    kernel_init: nn.initializers.Initializer = nn.initializers.orthogonal(1.0)

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Array:
        return jnp.squeeze(nn.Dense(1, kernel_init=self.kernel_init)(x), -1)

    @nn.nowrap
    def value(self, output: Array) -> Array:
        """The value estimate ``(B, T)`` of an output of this head (itself)."""
        return output

    @nn.nowrap
    def loss(self, output: Array, targets: Array) -> Array:
        """Per-step squared error ``0.5 * (V - target)^2``, shape ``(B, T)``."""
        return 0.5 * jnp.square(output - targets)
