"""Q-value head for discrete actions, optionally dueling."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class DiscreteQNetwork(nn.Module):
    """``Q(s, a)`` for every action.

    Shapes: ``x`` ``(B, T, F)`` -> Q-values ``(B, T, action_dim)``.

    With ``dueling=True`` the head is the dueling form ``Q = V + A - mean_a A``
    (Wang et al., 2016, "Dueling Network Architectures for Deep RL").
    ``head.q_values(out)`` returns the Q-values of an output (itself here), the same
    method :class:`C51QNetwork` has.

    Example:
        >>> head = DiscreteQNetwork(action_dim=4, dueling=True)
    """

    action_dim: int
    dueling: bool = False
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()

    def __post_init__(self) -> None:
        if self.action_dim < 1:
            raise ValueError(
                f"DiscreteQNetwork.action_dim must be >= 1, got {self.action_dim}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Array:
        advantage = nn.Dense(self.action_dim, kernel_init=self.kernel_init)(x)
        if not self.dueling:
            return advantage
        value = nn.Dense(1, kernel_init=self.kernel_init)(x)
        return value + advantage - jnp.mean(advantage, axis=-1, keepdims=True)

    @nn.nowrap
    def q_values(self, output: Array) -> Array:
        """The Q-values ``(B, T, action_dim)`` of an output of this head (itself)."""
        return output
