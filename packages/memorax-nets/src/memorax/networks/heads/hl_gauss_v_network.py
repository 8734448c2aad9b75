"""Histogram value head trained with HL-Gauss targets."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array


def hl_gauss_targets(targets: Array, bin_edges: Array, sigma: float) -> Array:
    """Histogram of ``N(target, sigma^2)`` over bins: ``(...,) -> (..., num_bins)``.

    Bin ``i`` gets ``CDF(e_{i+1}) - CDF(e_i)``, renormalised by the mass inside
    ``[e_0, e_last]``; targets are first clipped to that range (Imani & White, 2018;
    Farebrother et al., 2024, "Stop Regressing", arXiv:2403.03950).
    """
    targets = jnp.clip(targets, bin_edges[0], bin_edges[-1])
    cdf = jax.scipy.special.erf((bin_edges - targets[..., None]) / (jnp.sqrt(2.0) * sigma))
    return (cdf[..., 1:] - cdf[..., :-1]) / (cdf[..., -1:] - cdf[..., :1])


class HLGaussVNetwork(nn.Module):
    """State value as a categorical distribution over ``num_bins`` bins on ``[v_min, v_max]``.

    Shapes: ``x`` ``(B, T, F)`` -> logits ``(B, T, num_bins)``. Like every value head:
    ``head.value(logits)`` ``(B, T)`` is the expectation over bin centres and
    ``head.loss(logits, targets)`` ``(B, T)`` is the cross-entropy to the Gaussian-smoothed
    histogram of the scalar targets, with ``sigma = sigma_ratio * bin_width``
    (0.75 in the paper).

    Example:
        >>> head = HLGaussVNetwork(num_bins=101, v_min=-10.0, v_max=10.0)
        >>> loss = critic.head.loss(logits, returns).mean()
    """

    num_bins: int = 101
    v_min: float = -10.0
    v_max: float = 10.0
    sigma_ratio: float = 0.75

    def __post_init__(self) -> None:
        if self.num_bins < 2 or self.v_min >= self.v_max or self.sigma_ratio <= 0:
            raise ValueError(
                "HLGaussVNetwork needs num_bins >= 2, v_min < v_max and sigma_ratio > 0; "
                f"got num_bins={self.num_bins}, v_min={self.v_min}, v_max={self.v_max}, "
                f"sigma_ratio={self.sigma_ratio}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Array:
        return nn.Dense(self.num_bins)(x)

    @nn.nowrap
    def bin_edges(self) -> Array:
        return jnp.linspace(self.v_min, self.v_max, self.num_bins + 1)

    @nn.nowrap
    def value(self, output: Array) -> Array:
        """Expected value ``(B, T)`` under the predicted histogram."""
        edges = self.bin_edges()
        centers = (edges[:-1] + edges[1:]) / 2
        return jnp.sum(jax.nn.softmax(output, axis=-1) * centers, axis=-1)

    @nn.nowrap
    def loss(self, output: Array, targets: Array) -> Array:
        """Cross-entropy ``(B, T)`` to the HL-Gauss histogram of ``targets``."""
        sigma = self.sigma_ratio * (self.v_max - self.v_min) / self.num_bins
        probs = hl_gauss_targets(jax.lax.stop_gradient(targets), self.bin_edges(), sigma)
        return -jnp.sum(probs * jax.nn.log_softmax(output, axis=-1), axis=-1)
