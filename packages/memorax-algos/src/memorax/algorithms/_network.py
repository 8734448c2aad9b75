"""Applying memorax Networks the way every algorithm needs.

A network sees ``(observation, done, previous action, previous reward)`` as
``(B, T, ...)`` arrays; a :class:`~memorax.core.timestep.Timestep` holds exactly these.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.protocols import DiscreteSpace
from memorax.core.timestep import Timestep
from memorax.core.typing import Array, Carry, EnvParams, Params
from memorax.networks import FeatureExtractor

AUX_LOSSES = "aux_losses"


def apply_sequence(network: nn.Module, params: Params, timestep: Timestep, carry: Carry, **kwargs: Any) -> tuple[Carry, Any]:
    """``carry, out`` of ``network`` on a ``(B, T, ...)`` timestep sequence from ``carry``."""
    return network.apply(
        params, timestep.observation, timestep.done, timestep.action, timestep.reward, initial_carry=carry, **kwargs
    )


def apply_step(network: nn.Module, params: Params, timestep: Timestep, carry: Carry, **kwargs: Any) -> tuple[Carry, Any]:
    """One step: ``timestep`` is ``(B, ...)``; ``out`` keeps a length-one time axis ``(B, 1, ...)``."""
    return apply_sequence(network, params, timestep.to_sequence(), carry, **kwargs)


def apply_with_aux_losses(
    network: nn.Module, params: Params, timestep: Timestep, carry: Carry, **kwargs: Any
) -> tuple[Carry, Any, Array]:
    """Like :func:`apply_sequence`, plus the sum of everything sown into ``"aux_losses"``.

    Blocks such as MoE routers sow their (already scaled) auxiliary losses; the
    algorithm adds their sum to its loss so that they are trained.
    """
    (carry, out), state = network.apply(
        params,
        timestep.observation,
        timestep.done,
        timestep.action,
        timestep.reward,
        initial_carry=carry,
        mutable=[AUX_LOSSES],
        **kwargs,
    )
    leaves = jax.tree.leaves(state.get(AUX_LOSSES, {}))
    aux_loss = sum((jnp.sum(leaf) for leaf in leaves), jnp.zeros((), jnp.float32))
    return carry, out, aux_loss


def init_params(network: nn.Module, key: Array, timestep: Timestep, **kwargs: Any) -> Params:
    """Initialises ``network`` on the first row of a ``(B, ...)`` timestep (as a length-one sequence).

    ``kwargs`` are extra ``(1, 1, ...)`` network inputs, e.g. a critic's ``current_action``.

    Values sown into ``"aux_losses"`` during init are dropped: they are outputs of a
    call, and left in the variables they would be appended to at every later call.
    """
    first = jax.tree.map(lambda x: x[:1], timestep).to_sequence()
    variables = network.init(key, first.observation, first.done, first.action, first.reward, **kwargs)
    return {name: value for name, value in variables.items() if name != AUX_LOSSES}


def is_recurrent(carry: Carry) -> bool:
    """Whether a carry holds state (stateless torsos have ``None`` carries)."""
    return len(jax.tree.leaves(carry)) > 0


def with_action_space(network: nn.Module, env: Any, env_params: EnvParams) -> nn.Module:
    """``network`` with its feature extractor's ``num_actions`` set from ``env``'s discrete action space.

    A :class:`~memorax.networks.FeatureExtractor` with an ``action_extractor`` one-hot
    encodes discrete previous actions and so needs ``num_actions``; the algorithm knows
    the action space, so users may leave it out (as the Building Networks guide does).
    Networks without such an extractor, continuous action spaces and an explicit
    ``num_actions`` are returned unchanged. Works for any module with a
    ``feature_extractor`` field (``flax`` ``clone``).
    """
    extractor = getattr(network, "feature_extractor", None)
    space = env.action_space(env_params)
    if (
        not isinstance(extractor, FeatureExtractor)
        or extractor.action_extractor is None
        or extractor.num_actions is not None
        or not isinstance(space, DiscreteSpace)
    ):
        return network
    return network.clone(feature_extractor=extractor.clone(num_actions=int(space.n)))
