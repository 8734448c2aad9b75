"""Policy head for discrete actions."""

from typing import Any

import distrax
import flax.linen as nn

from memorax.core.typing import Array


class Categorical(nn.Module):
    """Softmax policy over ``action_dim`` actions.

    Shapes: ``x`` ``(B, T, F)`` -> ``distrax.Categorical`` with batch shape ``(B, T)``.
    The small output init (orthogonal, scale 0.01) starts near the uniform policy.

    Example:
        >>> head = Categorical(action_dim=4)
    """

    action_dim: int
    kernel_init: nn.initializers.Initializer = nn.initializers.orthogonal(0.01)

    def __post_init__(self) -> None:
        if self.action_dim < 1:
            raise ValueError(f"Categorical.action_dim must be >= 1, got {self.action_dim}.")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> distrax.Categorical:
        return distrax.Categorical(logits=nn.Dense(self.action_dim, kernel_init=self.kernel_init)(x))
