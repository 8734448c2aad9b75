"""Burn-in: warm a recurrent carry up on the first steps of a sequence, without gradients.

R2D2 (Kapturowski et al. 2019, "Recurrent Experience Replay in Distributed
Reinforcement Learning") replays the first ``burn_in_length`` steps of a sequence only
to refresh a stale stored carry with the current parameters; the loss uses the rest.
"""

import flax.linen as nn
import jax

from memorax.algorithms._network import apply_sequence
from memorax.core.timestep import Timestep
from memorax.core.typing import Carry, Params, PyTree


def split_burn_in(tree: PyTree, length: int) -> tuple[PyTree, PyTree]:
    """Splits every ``(B, T, ...)`` leaf into the first ``length`` steps and the rest."""
    warm = jax.tree.map(lambda x: x[:, :length], tree)
    rest = jax.tree.map(lambda x: x[:, length:], tree)
    return warm, rest


def burn_in(network: nn.Module, params: Params, warm: Timestep, carry: Carry) -> Carry:
    """The carry after the ``(B, L, ...)`` burn-in steps ``warm``, with no gradient to anything.

    An empty burn-in (``L == 0``) returns ``carry`` unchanged.
    """
    if jax.tree.leaves(warm)[0].shape[1] == 0:
        return carry
    carry, _ = apply_sequence(network, jax.lax.stop_gradient(params), warm, carry)
    return jax.lax.stop_gradient(carry)
