"""General value function: predicts the discounted sum of any cumulant."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax

from memorax.core.timestep import Transition
from memorax.core.typing import Array
from memorax.networks.heads.v_network import VNetwork


class GVF(nn.Module):
    """A "demon" predicting ``E[sum_k discount^k c_{t+k}]`` for a cumulant ``c``.

    ``cumulant(transition) -> (B, T)`` computes the signal from a
    :class:`memorax.core.Transition` batch (e.g. ``lambda tr: tr.timestep.observation[..., 0]``).
    The GVF carries its own ``discount`` (Sutton et al., 2011, "Horde"). ``head`` is any
    value head (``value``/``loss`` methods, default :class:`VNetwork`); the output is the
    head's. ``td_targets(transition, next_values)`` ``(B, T)`` is
    ``c + discount * (1 - terminated) * next_values`` with ``next_values`` the demon's
    value at ``transition.next_observation``.

    Example:
        >>> demon = GVF(cumulant=lambda tr: tr.reward, discount=0.9)
    """

    cumulant: Callable[[Transition], Array]
    discount: float = 0.99
    head: nn.Module | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.discount <= 1.0:
            raise ValueError(f"GVF.discount must be in [0, 1], got {self.discount}.")
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Any:
        return self._value_head()(x, **kwargs)

    @nn.nowrap
    def value(self, output: Any) -> Array:
        return self._value_head().value(output)

    @nn.nowrap
    def loss(self, output: Any, targets: Array) -> Array:
        return self._value_head().loss(output, targets)

    @nn.nowrap
    def _value_head(self) -> nn.Module:
        return VNetwork() if self.head is None else self.head

    @nn.nowrap
    def td_targets(self, transition: Transition, next_values: Array) -> Array:
        continuing = 1.0 - transition.terminated.astype(next_values.dtype)
        next_values = jax.lax.stop_gradient(next_values)
        return self.cumulant(transition) + self.discount * continuing * next_values
