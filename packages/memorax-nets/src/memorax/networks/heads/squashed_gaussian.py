"""Tanh-squashed Gaussian policy head for bounded continuous actions (SAC)."""

from typing import Any

import distrax
import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class SquashedGaussian(nn.Module):
    """``a = tanh(u)``, ``u ~ N(mean(x), std(x))``, actions in ``(-1, 1)``.

    Shapes: ``x`` ``(B, T, F)`` -> ``distrax.Independent`` (over tanh-transformed
    normals) with batch shape ``(B, T)`` and event shape ``(action_dim,)``;
    ``log_prob`` includes the tanh Jacobian (Haarnoja et al., 2018, arXiv:1801.01290,
    appendix C). ``head.mode(dist)`` is the deterministic action ``tanh(mean)``. (This
    composition, unlike ``Transformed(MultivariateNormalDiag, Block(Tanh))``, survives
    being returned from ``jax.jit`` in distrax 0.1.9.) ``log_std`` is
    clipped to ``[log_std_min, log_std_max]``; rescale actions to the env's bounds
    outside the head.

    Example:
        >>> head = SquashedGaussian(action_dim=2)
    """

    action_dim: int
    log_std_min: float = -10.0
    log_std_max: float = 2.0

    def __post_init__(self) -> None:
        if self.action_dim < 1:
            raise ValueError(
                f"SquashedGaussian.action_dim must be >= 1, got {self.action_dim}."
            )
        if self.log_std_min >= self.log_std_max:
            raise ValueError(
                f"SquashedGaussian.log_std_min ({self.log_std_min}) must be below "
                f"log_std_max ({self.log_std_max})."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> distrax.Independent:
        mean = nn.Dense(self.action_dim, name="mean")(x)
        log_std = nn.Dense(self.action_dim, name="log_std")(x)
        log_std = jnp.clip(log_std, self.log_std_min, self.log_std_max)
        squashed = distrax.Transformed(distrax.Normal(mean, jnp.exp(log_std)), distrax.Tanh())
        return distrax.Independent(squashed, reinterpreted_batch_ndims=1)

    @nn.nowrap
    def mode(self, distribution: distrax.Independent) -> Array:
        """The deterministic action ``tanh(mean)`` ``(B, T, action_dim)``."""
        return jnp.tanh(distribution.distribution.distribution.mode())
