"""The base of every wrapper: delegate everything to the wrapped environment."""

from typing import Any

from memorax.core.protocols import Space
from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey


class Wrapper:
    """Passes every call through to ``env``; subclasses override what they change.

    A wrapper that keeps its own state stores the inner state in a field named
    ``env_state`` and overrides :meth:`inner_state`, so that calls that take a
    state (``global_state``) reach the wrapped environment with the state it knows.
    Attributes the wrapper does not define (``num_agents``, ``agents``, ...) are
    looked up on ``env``.
    """

    def __init__(self, env: Any) -> None:
        self.env = env

    def __getattr__(self, name: str) -> Any:
        if name == "env":  # not set yet (e.g. during unpickling): avoid infinite recursion
            raise AttributeError(name)
        return getattr(self.env, name)

    @property
    def default_params(self) -> EnvParams:
        return self.env.default_params

    def observation_space(self, params: EnvParams) -> Space:
        return self.env.observation_space(params)

    def action_space(self, params: EnvParams) -> Space:
        return self.env.action_space(params)

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]:
        return self.env.reset(key, params)

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        return self.env.step(key, state, action, params)

    def inner_state(self, state: EnvState) -> EnvState:
        """The wrapped environment's state inside this wrapper's ``state``."""
        return state

    def global_state(self, state: EnvState, params: EnvParams) -> Array:
        """Multi-agent environments: the centralised-critic input, ``(num_agents, G)``."""
        return self.env.global_state(self.inner_state(state), params)
