"""The auxiliary estimate ``h`` of gradient-TD methods, as a second head on a network's torso.

Gradient TD methods (TDC, TDRC, QRC, GTD(lambda)) learn, next to the value, an estimate
``h(s)`` of the expected TD error given the features of ``s`` and use it to correct
the semi-gradient. The algorithms build it themselves: the user's network gets a
second head on the same features. As in the nonlinear experiments of Ghiassian et al.
2020 ("Gradient Temporal-Difference Learning with Regularized Corrections"), the
features reach ``h`` through a stop-gradient, so only the value loss shapes the torso,
and ``h`` starts at zero (the TD update).
"""

from collections.abc import Mapping
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Params

CORRECTION = "correction"


class CorrectedHead(nn.Module):
    """``(head(x), correction(stop_gradient(x)))``.

    It reads like the wrapped head: ``value``, ``loss`` and ``q_values`` apply the
    wrapped head's method to the first output, so code written for a value or Q head
    runs unchanged on a corrected network.
    """

    head: nn.Module
    correction: nn.Module

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> tuple[Any, Any]:
        return self.head(x, **kwargs), self.correction(jax.lax.stop_gradient(x), **kwargs)

    @nn.nowrap
    def value(self, output: tuple[Any, Any]) -> Array:
        return self.head.value(output[0])

    @nn.nowrap
    def loss(self, output: tuple[Any, Any], targets: Array) -> Array:
        return self.head.loss(output[0], targets)

    @nn.nowrap
    def q_values(self, output: tuple[Any, Any]) -> Array:
        return self.head.q_values(output[0])


def with_correction(network: nn.Module, correction: nn.Module) -> nn.Module:
    """``network`` with its head replaced by ``CorrectedHead(network.head, correction)``."""
    return network.clone(head=CorrectedHead(head=network.head, correction=correction))


def correction_norm(params: Params) -> Array:
    """``||theta_h||^2``: squared norm of every correction head's parameters in ``params``.

    For the regularisation ``beta / 2 * ||theta_h||^2`` (TDRC); ``params`` may be any
    tree of variables that holds corrected networks.
    """
    if not isinstance(params, Mapping):
        return jnp.zeros((), jnp.float32)
    total = jnp.zeros((), jnp.float32)
    for name, value in params.items():
        if name == CORRECTION:
            total = total + sum(jnp.sum(jnp.square(leaf)) for leaf in jax.tree.leaves(value))
        else:
            total = total + correction_norm(value)
    return total
