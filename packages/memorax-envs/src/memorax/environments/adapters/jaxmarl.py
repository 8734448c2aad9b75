"""``jaxmarl::`` multi-agent environments with a leading agent axis.

JaxMARL steps with per-agent dicts and one ``done`` per agent that mixes the end of
the task with the time limit. The adapter stacks the dicts along a leading agent axis
(in ``env.agents`` order), steps without JaxMARL's own reset so that it can report
the true final observation, and splits ``done`` into terminated and truncated: MPE
tasks end only by their time limit (truncation); other tasks are truncated where
their step counter reached ``max_steps`` and terminated otherwise.
"""

from collections.abc import Iterator
from typing import Any

import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, EnvState, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.spaces import Box, Discrete, from_backend

WORLD_STATE = "world_state"


@pytree_dataclass
class JaxMARLParams:
    """JaxMARL environments take their settings at construction; nothing is left for params."""


class JaxMARLEnvironment(AutoResetEnvironment):
    """A homogeneous JaxMARL environment as a memorax ``MultiAgentEnvironment``.

    Observations ``(num_agents, *obs_shape)``, actions ``(num_agents, *action_shape)``,
    rewards/terminated/truncated ``(num_agents,)``. ``global_state`` is the
    environment's ``"world_state"`` observation where it has one (SMAX), otherwise all
    agents' observations concatenated; either way repeated per agent:
    ``(num_agents, G)`` (``G = 54`` for MPE simple spread with 3 agents).

    Example:
        >>> env, params = make("jaxmarl::MPE_simple_spread_v3")
        >>> obs, state = env.reset(jax.random.key(0), params)   # obs: (3, 18)
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        self.agents = list(env.agents)
        spaces = [(env.observation_space(a), env.action_space(a)) for a in self.agents]
        first_obs, first_action = spaces[0]
        for agent, (obs_space, action_space) in zip(self.agents, spaces, strict=True):
            if obs_space.shape != first_obs.shape or action_space.shape != first_action.shape:
                raise ValueError(
                    f"jaxmarl {type(env).__name__}: agent {agent!r} has different spaces from {self.agents[0]!r}; "
                    "memorax stacks agents along one axis and needs agents with identical spaces."
                )
        self._observation_space = from_backend(first_obs)
        self._action_space = from_backend(first_action)
        self.time_limit_only = type(env).__module__.startswith("jaxmarl.environments.mpe")

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def default_params(self) -> JaxMARLParams:
        return JaxMARLParams()

    def observation_space(self, params: JaxMARLParams) -> Discrete | Box:
        return self._observation_space

    def action_space(self, params: JaxMARLParams) -> Discrete | Box:
        return self._action_space

    def action_batch_shape(self) -> tuple[int, ...]:
        return (self.num_agents,)

    def _stack(self, per_agent: dict[str, Array]) -> Array:
        return jnp.stack([per_agent[a] for a in self.agents])

    def reset_env(self, key: PRNGKey, params: JaxMARLParams) -> tuple[Array, EnvState]:
        obs, state = self.env.reset(key)
        return self._stack(obs), state

    def step_env(self, key: PRNGKey, state: EnvState, action: Array, params: JaxMARLParams):
        actions = {agent: action[i] for i, agent in enumerate(self.agents)}
        obs, state, rewards, dones, infos = self.env.step_env(key, state, actions)
        episode_over = jnp.asarray(dones["__all__"], bool)
        done = self._stack(dones).astype(bool) | episode_over
        if self.time_limit_only:
            at_time_limit = episode_over
        else:
            counter, limit = _step_counter(state), _step_limit(self.env)
            at_time_limit = episode_over & (counter >= limit) if counter is not None and limit is not None else False
        truncated = done & at_time_limit
        reward = self._stack(rewards).astype(jnp.float32)
        return self._stack(obs), state, reward, done & ~truncated, truncated, dict(infos)

    def global_state(self, state: EnvState, params: JaxMARLParams) -> Array:
        """``(num_agents, G)``: the centralised critic's input, the same row for every agent.

        ``env.get_world_state(state)`` where the env has it (SMAX: its world state is in
        ``step``/``reset`` outputs only, not in ``get_obs``), else the ``"world_state"``
        observation, else all agents' observations concatenated.
        """
        if hasattr(self.env, "get_world_state"):
            world = jnp.ravel(self.env.get_world_state(state))
        else:
            obs = self.env.get_obs(state)
            if WORLD_STATE in obs:
                world = jnp.ravel(obs[WORLD_STATE])
            else:
                world = jnp.concatenate([jnp.ravel(obs[a]) for a in self.agents])
        return jnp.broadcast_to(world, (self.num_agents, world.shape[0]))


def _unwrap(obj: Any, inner: tuple[str, ...]) -> Iterator[Any]:
    """``obj`` and the objects it wraps through the attributes ``inner``, outermost first."""
    while obj is not None:
        yield obj
        obj = next((vars(obj)[name] for name in inner if name in vars(obj)), None) if hasattr(obj, "__dict__") else None


def _step_counter(state: EnvState) -> Array | None:
    """The step counter (``step`` or ``time``) of ``state`` or of a state it wraps
    (``HeuristicEnemySMAX``: ``state.state.step``; JaxMARL wrappers: ``env_state``)."""
    for inner in _unwrap(state, ("state", "env_state")):
        for name in ("step", "time"):
            if hasattr(inner, name):
                return getattr(inner, name)
    return None


def _step_limit(env: Any) -> int | None:
    """``max_steps`` of ``env`` or of an env it wraps (``_env``, ``env``)."""
    for inner in _unwrap(env, ("_env", "env")):
        if "max_steps" in vars(inner):
            return vars(inner)["max_steps"]
    return None


def ids() -> list[str]:
    return list(import_backend("jaxmarl", "jaxmarl").registered_envs)


def make(name: str, **kwargs: Any) -> tuple[JaxMARLEnvironment, JaxMARLParams]:
    jaxmarl = import_backend("jaxmarl", "jaxmarl")
    if name not in jaxmarl.registered_envs:
        raise unknown_id("jaxmarl", name, jaxmarl.registered_envs)
    env = JaxMARLEnvironment(jaxmarl.make(name, **kwargs))
    return env, env.default_params
