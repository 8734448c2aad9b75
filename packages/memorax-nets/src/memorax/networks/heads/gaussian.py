"""Diagonal Gaussian policy head for continuous actions (PPO style)."""

from typing import Any

import distrax
import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class Gaussian(nn.Module):
    """Gaussian policy with a state-dependent mean and a learned state-independent std.

    Shapes: ``x`` ``(B, T, F)`` -> a diagonal normal, ``distrax.Independent(Normal)``,
    with batch shape ``(B, T)`` and event shape ``(action_dim,)`` (unlike
    ``MultivariateNormalDiag`` it survives being returned from ``jax.jit`` in distrax
    0.1.9). Actions are unbounded; clip them in the environment (e.g. an
    action-clipping wrapper).

    Example:
        >>> head = Gaussian(action_dim=2)
    """

    action_dim: int
    initial_log_std: float = 0.0
    kernel_init: nn.initializers.Initializer = nn.initializers.orthogonal(0.01)

    def __post_init__(self) -> None:
        if self.action_dim < 1:
            raise ValueError(f"Gaussian.action_dim must be >= 1, got {self.action_dim}.")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> distrax.Independent:
        mean = nn.Dense(self.action_dim, kernel_init=self.kernel_init)(x)
        log_std = self.param(
            "log_std", nn.initializers.constant(self.initial_log_std), (self.action_dim,)
        )
        scale = jnp.broadcast_to(jnp.exp(log_std), mean.shape)
        return distrax.Independent(distrax.Normal(mean, scale), reinterpreted_batch_ndims=1)
