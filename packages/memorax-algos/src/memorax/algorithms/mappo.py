"""Multi-agent PPO with parameter sharing (Yu et al. 2022, "The Surprising Effectiveness
of PPO in Cooperative Multi-Agent Games", arXiv:2103.01955).

All agents of a :class:`~memorax.core.protocols.MultiAgentEnvironment` share one actor
and one critic: the agent axis that follows the env axis is folded into the network
batch (rows ``num_envs * num_agents``, env-major, so the env axis stays the leading,
shardable one), and every agent's trajectory is a PPO row with its own rewards and
GAE. The critic is independent (each agent's own observation) or centralised
(``centralised_critic=True``: ``env.global_state(state, params)``, one row per agent).
Steps of dead agents (``done`` while others are not) are masked out of every loss and
statistic. With ``critic=None`` the actor is one network with ``heads.ActorCritic``
(independent critic only).
"""

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._config import require
from memorax.algorithms._per_agent import PerAgent
from memorax.algorithms.ppo import PPO, PPOConfig
from memorax.core.protocols import MultiAgentEnvironment
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PyTree


@dataclasses.dataclass(frozen=True)
class MAPPOConfig(PPOConfig):
    """PPO's fields (see :class:`PPOConfig`) plus the critic's input.

    Attributes:
        centralised_critic: the critic reads ``env.global_state`` instead of each
            agent's own observation. The final global state of an episode is not
            observable through an auto-resetting env, so where an episode ends by
            truncation a centralised critic bootstraps from the value of the last
            global state it saw.
        share_parameters: one actor (and critic) for all agents, the agent axis folded
            into the batch (default); with False every agent has its own parameters
            (a leading ``num_agents`` axis, applied with ``jax.vmap`` over the agents) and
            the same optimizer settings.

    Example:
        >>> config = MAPPOConfig(num_envs=8, num_steps=128, gae_lambda=0.95, num_minibatches=4,
        ...     update_epochs=4, normalize_advantage=True, clip_coefficient=0.2,
        ...     clip_value_loss=True, entropy_coefficient=0.01)
    """

    centralised_critic: bool = False
    share_parameters: bool = True


def _fold(x: Array) -> Array:
    return jnp.reshape(x, (x.shape[0] * x.shape[1], *x.shape[2:]))


class MAPPO(PPO):
    """Parameter-shared PPO over the agents of a multi-agent env.

    Example:
        >>> agent = MAPPO(MAPPOConfig(), env, env_params, actor, critic, optax.adam(3e-4), optax.adam(3e-4))
        >>> state, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 100_352)
    """

    def __init__(
        self,
        config: MAPPOConfig,
        env: Any,
        env_params: EnvParams,
        actor: nn.Module,
        critic: nn.Module | None,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation | None,
    ) -> None:
        require(
            isinstance(env, MultiAgentEnvironment),
            f"MAPPO needs a multi-agent environment (num_agents and global_state), got {type(env).__name__}; "
            "use PPO for single-agent environments.",
        )
        require(
            not (config.centralised_critic and critic is None),
            f"{type(config).__name__}.centralised_critic=True needs a separate critic (it reads the global state, "
            "the actor each agent's observation); pass a critic and critic_optimizer, or set centralised_critic=False.",
        )
        self.num_agents = int(env.num_agents)
        if not config.share_parameters:
            actor = PerAgent(actor, self.num_agents)
            critic = None if critic is None else PerAgent(critic, self.num_agents)
        super().__init__(config, env, env_params, actor, critic, actor_optimizer, critic_optimizer)
        self._centralised_critic = config.centralised_critic

    # Shared parameters fold the agents into the network rows (env-major); per-agent
    # parameters keep the agent axis inside each env row (PerAgent vmaps over it).
    def _fold(self, tree: PyTree) -> PyTree:
        return jax.tree.map(_fold, tree) if self.config.share_parameters else tree

    def _unfold(self, tree: PyTree) -> PyTree:
        if not self.config.share_parameters:
            return tree
        return jax.tree.map(lambda x: jnp.reshape(x, (-1, self.num_agents, *x.shape[1:])), tree)

    def _rows(self, tree: PyTree) -> PyTree:
        if not self.config.share_parameters:
            return tree
        return jax.tree.map(lambda x: _fold(jnp.moveaxis(x, 2, 1)), tree)

    def _num_rows(self) -> int:
        return self.config.num_envs * (self.num_agents if self.config.share_parameters else 1)

    def _global_state(self, env_state: EnvState) -> Array:
        return jax.vmap(self.env.global_state, in_axes=(0, None))(env_state, self.env_params)

    def _critic_timestep(self, timestep: Timestep, env_state: EnvState) -> Timestep:
        if self._centralised_critic:
            timestep = timestep.replace(observation=self._global_state(env_state))
        return self._fold(timestep)

    def _next_critic_timestep(self, transition: Transition, env_state: EnvState) -> Timestep:
        timestep = super()._next_critic_timestep(transition, env_state)
        if self._centralised_critic:
            timestep = timestep.replace(observation=self._fold(self._global_state(env_state)))
        return timestep

    def _bootstrap(
        self, params: tuple[Params, Params], carry: tuple[Carry, Carry], transition: Transition, env_state: EnvState
    ) -> dict[str, Array]:
        if self._centralised_critic:  # the final global state is gone: bootstrap from the last one seen
            return {"truncation_value": transition.aux["value"]}
        return super()._bootstrap(params, carry, transition, env_state)

    def _active(self, transitions: Transition) -> Array:
        """Steps of live agents, ``(rows, T)``: a dead agent (SMAX) reports ``done`` at every step
        until its episode ends, so an agent is inactive where its observation is flagged ``done``
        while another agent's is not (active masks, Yu et al. 2022). The step an agent dies on,
        and every agent's first step of an episode, count."""
        done = transitions.timestep.done  # (N, T, num_agents)
        return self._rows(~(done & ~jnp.all(done, axis=-1, keepdims=True)))

    def _critic_sequence(self, transitions: Transition) -> Timestep:
        if self._centralised_critic:
            return transitions.timestep.replace(observation=transitions.aux["critic_observation"])
        return transitions.timestep


@dataclasses.dataclass(frozen=True)
class IPPOConfig(MAPPOConfig):
    """MAPPO's fields for independent PPO: every critic reads only its agent's observation.

    ``centralised_critic`` must stay False. ``share_parameters`` defaults to True, as in
    de Witt et al. 2020 (arXiv:2011.09533), who share one network across agents; set it
    to False for fully independent learners with their own parameters.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        require(
            not self.centralised_critic,
            "IPPOConfig.centralised_critic must be False (IPPO's critics are independent); "
            "use MAPPOConfig(centralised_critic=True) for a centralised critic.",
        )


class IPPO(MAPPO):
    """Independent PPO (de Witt et al. 2020): MAPPO whose critics see only their agent's observation.

    Example:
        >>> agent = IPPO(IPPOConfig(share_parameters=False), env, env_params, actor, critic,
        ...              optax.adam(3e-4), optax.adam(3e-4))
    """
