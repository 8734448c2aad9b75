"""Distributional Q head (C51) with the categorical projection of the Bellman target."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array


def categorical_projection(
    probs: Array, rewards: Array, discounts: Array, support: Array
) -> Array:
    """Projects the distribution of ``r + discount * Z`` onto ``support``.

    ``probs`` ``(..., N)`` is the next-state distribution over ``support`` ``(N,)``
    (evenly spaced); ``rewards`` and ``discounts`` (``gamma * (1 - terminated)``) are
    ``(...)``. Each atom ``r + discount * z_i``, clipped to the support, splits its
    mass between its two neighbouring atoms in proportion to closeness (Bellemare et
    al., 2017, arXiv:1707.06887, algorithm 1). Returns ``(..., N)``.
    """
    delta = support[1] - support[0]
    shifted = rewards[..., None] + discounts[..., None] * support
    shifted = jnp.clip(shifted, support[0], support[-1])
    # weight[..., i, j] = share of atom i's mass that lands on support atom j
    weight = jnp.clip(1.0 - jnp.abs(shifted[..., :, None] - support) / delta, 0.0, 1.0)
    return jnp.sum(probs[..., :, None] * weight, axis=-2)


class C51QNetwork(nn.Module):
    """Return distribution per action over ``num_atoms`` atoms on ``[v_min, v_max]``.

    Shapes: ``x`` ``(B, T, F)`` -> logits ``(B, T, action_dim, num_atoms)``.
    ``head.q_values(logits)`` ``(B, T, A)`` are the expected returns;
    ``head.project(next_logits_of_chosen_action, rewards, discounts)`` gives the
    target distribution and ``head.loss(logits, action, target_probs)`` ``(B, T)`` the
    cross-entropy of the taken action's distribution to it.

    Example:
        >>> head = C51QNetwork(action_dim=4, num_atoms=51, v_min=-10.0, v_max=10.0)
    """

    action_dim: int
    num_atoms: int = 51
    v_min: float = -10.0
    v_max: float = 10.0

    def __post_init__(self) -> None:
        if self.action_dim < 1 or self.num_atoms < 2 or self.v_min >= self.v_max:
            raise ValueError(
                "C51QNetwork needs action_dim >= 1, num_atoms >= 2 and v_min < v_max; got "
                f"action_dim={self.action_dim}, num_atoms={self.num_atoms}, "
                f"v_min={self.v_min}, v_max={self.v_max}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Array:
        logits = nn.Dense(self.action_dim * self.num_atoms)(x)
        return logits.reshape(*logits.shape[:-1], self.action_dim, self.num_atoms)

    @nn.nowrap
    def support(self) -> Array:
        return jnp.linspace(self.v_min, self.v_max, self.num_atoms)

    @nn.nowrap
    def q_values(self, output: Array) -> Array:
        """Expected returns ``(B, T, action_dim)``."""
        return jnp.sum(jax.nn.softmax(output, axis=-1) * self.support(), axis=-1)

    @nn.nowrap
    def project(self, next_logits: Array, rewards: Array, discounts: Array) -> Array:
        """Target distribution ``(..., num_atoms)`` from next-state logits ``(..., num_atoms)``."""
        probs = jax.nn.softmax(jax.lax.stop_gradient(next_logits), axis=-1)
        return categorical_projection(probs, rewards, discounts, self.support())

    @nn.nowrap
    def loss(self, output: Array, action: Array, target_probs: Array) -> Array:
        """Cross-entropy ``(B, T)`` of ``output[..., action, :]`` to ``target_probs``."""
        logits = jnp.take_along_axis(output, action[..., None, None], axis=-2)[..., 0, :]
        target_probs = jax.lax.stop_gradient(target_probs)
        return -jnp.sum(target_probs * jax.nn.log_softmax(logits, axis=-1), axis=-1)
