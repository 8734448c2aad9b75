"""``navix::`` MiniGrid-style grid worlds (navix).

navix resets on the step *after* an episode ends and ignores that step's action
(dm_env style). The adapter steps navix's no-reset transition instead and resets on
the same step, like every memorax environment; navix's step type gives truncation
(1) and termination (2) apart.
"""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.spaces import Box, Discrete

TRUNCATION, TERMINATION = 1, 2


@pytree_dataclass
class NavixParams:
    """navix environments take their settings (``max_steps``, ``observation_fn``) at construction."""


class NavixEnvironment(AutoResetEnvironment):
    """A navix environment as a memorax ``Environment``; the state is navix's ``Timestep``.

    Example:
        >>> env, params = make("navix::Navix-Empty-5x5-v0", max_steps=50)
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        obs = jax.eval_shape(lambda key: env.reset(key).observation, jax.random.key(0))
        if jnp.issubdtype(obs.dtype, jnp.integer):  # navix's declared bounds miss some symbolic codes
            low, high = jnp.iinfo(obs.dtype).min, jnp.iinfo(obs.dtype).max
        else:
            low, high = env.observation_space.minimum, env.observation_space.maximum
        self._observation_space = Box(low, high, obs.shape, obs.dtype)
        self._action_space = Discrete(int(env.action_space.n))

    @property
    def default_params(self) -> NavixParams:
        return NavixParams()

    def observation_space(self, params: NavixParams) -> Box:
        return self._observation_space

    def action_space(self, params: NavixParams) -> Discrete:
        return self._action_space

    def reset_env(self, key: PRNGKey, params: NavixParams) -> tuple[Array, Any]:
        timestep = self.env.reset(key)
        return timestep.observation, timestep

    def step_env(self, key: PRNGKey, state: Any, action: Array, params: NavixParams):
        timestep = self.env._step(state, action)  # the transition without navix's deferred reset
        terminated = timestep.step_type == TERMINATION
        truncated = timestep.step_type == TRUNCATION
        return timestep.observation, timestep, timestep.reward, terminated, truncated, {}


def ids() -> list[str]:
    return list(import_backend("navix", "navix").registry())


def make(name: str, **kwargs: Any) -> tuple[NavixEnvironment, NavixParams]:
    """``kwargs`` go to ``navix.make`` (``max_steps``, ``observation_fn``, ...)."""
    navix = import_backend("navix", "navix")
    if name not in navix.registry():
        raise unknown_id("navix", name, navix.registry())
    env = NavixEnvironment(navix.make(name, **kwargs))
    return env, env.default_params
