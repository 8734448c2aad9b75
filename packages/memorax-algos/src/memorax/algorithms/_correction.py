"""The auxiliary estimate ``h`` of gradient-TD methods, as a second head on a network's torso.

Gradient TD methods (TDC, TDRC, QRC, GTD(lambda)) learn, next to the value, an estimate
``h(s)`` of the expected TD error given the features of ``s`` and use it to correct
the semi-gradient. The algorithms build it themselves: the user's network gets a
second head on the same features. As in the nonlinear experiments of Ghiassian et al.
2020 ("Gradient Temporal-Difference Learning with Regularized Corrections"), the
features reach ``h`` through a stop-gradient, so only the value loss shapes the torso,
and ``h`` starts at zero (the TD update).
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Params

CORRECTION = "correction"


class CorrectedHead(nn.Module):
    """``(head(x), correction(stop_gradient(x)))``."""

    head: nn.Module
    correction: nn.Module

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> tuple[Any, Any]:
        return self.head(x, **kwargs), self.correction(jax.lax.stop_gradient(x), **kwargs)


def with_correction(network: nn.Module, correction: nn.Module) -> nn.Module:
    """``network`` with its head replaced by ``CorrectedHead(network.head, correction)``."""
    return network.clone(head=CorrectedHead(head=network.head, correction=correction))


def correction_params(params: Params) -> Params:
    """The correction head's parameters inside a corrected network's variables."""
    return params["params"]["head"][CORRECTION]


def squared_norm(tree: Params) -> Array:
    """``||theta||^2`` over every leaf, for the regularisation ``beta / 2 * ||theta_h||^2``."""
    return sum((jnp.sum(jnp.square(leaf)) for leaf in jax.tree.leaves(tree)), jnp.zeros((), jnp.float32))
