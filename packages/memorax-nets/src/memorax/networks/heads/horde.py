"""A main head plus auxiliary GVF demons sharing the same torso."""

from collections.abc import Mapping
from typing import Any

import flax.linen as nn

from memorax.core.timestep import Transition
from memorax.core.typing import Array
from memorax.networks.heads.gvf import GVF


class Horde(nn.Module):
    """Returns ``(main_output, {name: demon_output})`` (Sutton et al., 2011, "Horde").

    The demons are auxiliary prediction tasks that shape the shared representation.
    ``value``/``loss`` act on the main head (so a Horde critic works wherever its main
    head does); ``demon_losses(output, next_output, transition)`` gives each demon's
    per-step TD loss ``(B, T)``, with ``next_output`` the Horde's output at
    ``transition.next_observation``. Add their (weighted) means to the loss.

    Example:
        >>> critic_head = Horde(head=VNetwork(),
        ...                     demons={"reward": GVF(cumulant=lambda tr: tr.reward, discount=0.5)})
    """

    head: nn.Module
    demons: Mapping[str, GVF]

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        return self.head(x, **kwargs), {name: demon(x) for name, demon in self.demons.items()}

    @nn.nowrap
    def value(self, output: tuple[Any, dict[str, Any]]) -> Array:
        return self.head.value(output[0])

    @nn.nowrap
    def loss(self, output: tuple[Any, dict[str, Any]], targets: Array) -> Array:
        return self.head.loss(output[0], targets)

    @nn.nowrap
    def demon_losses(
        self,
        output: tuple[Any, dict[str, Any]],
        next_output: tuple[Any, dict[str, Any]],
        transition: Transition,
    ) -> dict[str, Array]:
        losses = {}
        for name, demon in self.demons.items():
            targets = demon.td_targets(transition, demon.value(next_output[1][name]))
            losses[name] = demon.loss(output[1][name], targets)
        return losses
