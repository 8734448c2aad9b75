"""One parameter set per agent: a Network applied with ``jax.vmap`` over an agent axis.

MAPPO/IPPO with ``share_parameters=False`` keep the agent axis inside each env row:
network inputs are ``(B, T, num_agents, ...)``, carries ``(B, num_agents, ...)`` (the env
axis stays leading, so env sharding is unchanged) and parameters ``(num_agents, ...)``.
The wrapper offers what the algorithms call on a network (``init``, ``apply``,
``initialize_carry``, ``head``), so the rest of the algorithm is unchanged.
"""

from typing import Any

import flax.linen as nn
import jax

from memorax.core.typing import Array, Carry, Params, PRNGKey

AGENT_AXIS = 2  # of (B, T, num_agents, ...) network inputs and outputs


class PerAgent:
    """``network`` with independent parameters for each of ``num_agents`` agents."""

    def __init__(self, network: nn.Module, num_agents: int) -> None:
        self.network = network
        self.num_agents = num_agents

    @property
    def head(self) -> nn.Module:
        return self.network.head

    def init(self, key: PRNGKey, observation: Any, done: Array, action: Array, reward: Array, **kwargs: Any) -> Params:
        """Parameters with a leading agent axis, each agent initialised from its own key."""
        init = lambda k, o, d, a, r: self.network.init(k, o, d, a, r, **kwargs)
        keys = jax.random.split(key, self.num_agents)
        return jax.vmap(init, in_axes=(0, AGENT_AXIS, AGENT_AXIS, AGENT_AXIS, AGENT_AXIS))(
            keys, observation, done, action, reward
        )

    def apply(
        self, params: Params, observation: Any, done: Array, action: Array, reward: Array,
        initial_carry: Carry | None = None, **kwargs: Any,
    ) -> Any:
        """Like ``Network.apply`` on ``(B, T, num_agents, ...)`` inputs; outputs keep the agent axis at 2."""
        apply = lambda p, o, d, a, r, c: self.network.apply(p, o, d, a, r, initial_carry=c, **kwargs)
        outputs = (1, AGENT_AXIS)  # carry (B, num_agents, ...), output (B, T, num_agents, ...)
        if "mutable" in kwargs:
            outputs = (outputs, 0)  # sown collections per agent
        axes = (0, AGENT_AXIS, AGENT_AXIS, AGENT_AXIS, AGENT_AXIS, None if initial_carry is None else 1)
        return jax.vmap(apply, in_axes=axes, out_axes=outputs)(params, observation, done, action, reward, initial_carry)

    def initialize_carry(self, key: PRNGKey, batch_shape: tuple[int, ...]) -> Carry:
        """Fresh carries ``(*batch_shape, num_agents, ...)`` (``None`` for a stateless torso)."""
        fresh = lambda k: self.network.initialize_carry(k, batch_shape)
        return jax.vmap(fresh, out_axes=len(batch_shape))(jax.random.split(key, self.num_agents))
