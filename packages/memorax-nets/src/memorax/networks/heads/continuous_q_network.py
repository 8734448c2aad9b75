"""Q(s, a) heads for continuous actions (single and twin)."""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class ContinuousQNetwork(nn.Module):
    """``Q(s, a)`` from the torso features and the *current* action.

    Shapes: ``x`` ``(B, T, F)``, ``current_action`` ``(B, T, A)`` -> ``(B, T)``. The
    action is concatenated to the features and passed through an MLP of
    ``hidden_features``. Pass it as ``network.apply(..., current_action=a)``: the
    positional ``action`` of a :class:`Network` is the *previous* action.

    Example:
        >>> head = ContinuousQNetwork(hidden_features=(256, 256))
    """

    hidden_features: Sequence[int] = (256, 256)

    @nn.compact
    def __call__(self, x: Array, current_action: Array | None = None, **kwargs: Any) -> Array:
        if current_action is None:
            raise ValueError(
                f"{type(self).__name__} needs the current action: call the network with "
                "current_action=<(B, T, A) actions>."
            )
        h = jnp.concatenate([x, current_action.astype(x.dtype)], axis=-1)
        for features in self.hidden_features:
            h = nn.relu(nn.Dense(features)(h))
        return jnp.squeeze(nn.Dense(1)(h), -1)


class TwinContinuousQNetwork(nn.Module):
    """Two independent :class:`ContinuousQNetwork` critics (clipped double Q, TD3/SAC).

    Returns ``(q1, q2)``, each ``(B, T)``; takes ``current_action=`` like
    :class:`ContinuousQNetwork` (Fujimoto et al., 2018, arXiv:1802.09477).

    Example:
        >>> head = TwinContinuousQNetwork()
    """

    hidden_features: Sequence[int] = (256, 256)

    @nn.compact
    def __call__(
        self, x: Array, current_action: Array | None = None, **kwargs: Any
    ) -> tuple[Array, Array]:
        q1 = ContinuousQNetwork(self.hidden_features, name="q1")(x, current_action)
        q2 = ContinuousQNetwork(self.hidden_features, name="q2")(x, current_action)
        return q1, q2
