"""``craftax::`` Craftax and Craftax-Classic, symbolic and pixel observations.

Craftax's ``done`` folds the time limit into the end of the game. The adapter steps
the library's no-auto-reset environment and recovers the split: ``terminated`` is
Craftax's own game-over test evaluated with the time limit switched off (death,
lava, beating the final boss), ``truncated`` is the rest of ``done``.
"""

from typing import Any

import jax.numpy as jnp

from memorax.core.typing import Array, EnvParams, EnvState, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.spaces import Box, Discrete, from_backend

CRAFTAX_IDS = ("Craftax-Symbolic-v1", "Craftax-Pixels-v1", "Craftax-Classic-Symbolic-v1", "Craftax-Classic-Pixels-v1")
NO_TIME_LIMIT = jnp.iinfo(jnp.int32).max


class CraftaxEnvironment(AutoResetEnvironment):
    """A Craftax environment with auto-reset and termination apart from truncation.

    Set the episode limit with ``params.replace(max_timesteps=...)``.

    Example:
        >>> env, params = make("craftax::Craftax-Classic-Symbolic-v1")
        >>> obs, state = env.reset(jax.random.key(0), params)   # obs: (1345,)
    """

    def __init__(self, env: Any) -> None:
        self.env = env

    @property
    def default_params(self) -> EnvParams:
        return self.env.default_params

    def observation_space(self, params: EnvParams) -> Discrete | Box:
        return from_backend(self.env.observation_space(params))

    def action_space(self, params: EnvParams) -> Discrete | Box:
        return from_backend(self.env.action_space(params))

    def reset_env(self, key: PRNGKey, params: EnvParams) -> tuple[Array, EnvState]:
        return self.env.reset_env(key, params)

    def step_env(self, key: PRNGKey, state: EnvState, action: Array, params: EnvParams):
        obs, state, reward, done, info = self.env.step_env(key, state, action, params)
        terminated = self.env.is_terminal(state, params.replace(max_timesteps=NO_TIME_LIMIT))
        return obs, state, reward, terminated, done & ~terminated, info


def ids() -> list[str]:
    return list(CRAFTAX_IDS)


def make(name: str, **kwargs: Any) -> tuple[CraftaxEnvironment, EnvParams]:
    craftax_env = import_backend("craftax.craftax_env", "craftax")
    if name not in CRAFTAX_IDS:
        raise unknown_id("craftax", name, CRAFTAX_IDS)
    if kwargs:
        raise TypeError(
            f"craftax::{name} takes no arguments ({sorted(kwargs)}); change params with params.replace(...)."
        )
    env = CraftaxEnvironment(craftax_env.make_craftax_env_from_name(name, auto_reset=False))
    return env, env.default_params
