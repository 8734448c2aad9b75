"""A policy head and a value head on one torso (shared-torso actor-critic)."""

from typing import Any, NamedTuple

import flax.linen as nn

from memorax.core.typing import Array


class ActorCriticOutput(NamedTuple):
    """What :class:`ActorCritic` returns from one torso pass.

    Attributes:
        policy: the policy head's distribution, batch shape ``(B, T)``.
        value: the value head's raw output (``(B, T)`` for ``VNetwork``, logits
            ``(B, T, bins)`` for ``HLGaussVNetwork``); read it with ``head.value.value(out.value)``.
    """

    policy: Any
    value: Array


class ActorCritic(nn.Module):
    """Both heads of an actor-critic on the same torso features.

    Shapes: ``x`` ``(B, T, F)`` -> :class:`ActorCriticOutput` ``(policy, value)``. A
    :class:`~memorax.networks.Network` with this head runs its feature extractor and
    torso once for both outputs (as PureJaxRL's ``ppo_rnn.py`` shares its GRU); PPO and
    MAPPO train such a network with one optimizer when given ``critic=None``.

    Example:
        >>> head = ActorCritic(policy=Categorical(action_dim=4), value=VNetwork())
        >>> carry, out = network.apply(params, obs, done, action, reward)
        >>> out.policy.sample(seed=key), network.head.value.value(out.value)
    """

    policy: nn.Module
    value: nn.Module

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> ActorCriticOutput:
        return ActorCriticOutput(policy=self.policy(x, **kwargs), value=self.value(x, **kwargs))
