"""``gxm::`` environments of the gxm library (``gxm.make("Library/Name")``), e.g. ``gxm::Navix/Navix-Empty-5x5-v0``.

gxm environments reset themselves: ``step`` returns a ``Timestep`` whose ``next_obs``
starts the next episode where one ended and whose ``true_next_obs`` holds the finished
episode's last observation where gxm reports a truncation. The adapter passes gxm's
flags through: ``terminated`` as gxm reports it, ``truncated`` only where gxm does not
also report termination. Note that gxm 0.4's own adapters report most time limits as
terminations (brax, navix, xminigrid) and its gymnax adapter expects gymnax 0.0.x; for
those libraries memorax's own namespaces (``brax::``, ``navix::``, ...) keep truncation apart.
"""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Action, Array, Info, Observation, PRNGKey
from memorax.environments.auto_reset import check_action, strong_types
from memorax.environments.backends import import_backend
from memorax.environments.spaces import Box, Discrete


@pytree_dataclass
class GxmParams:
    """gxm environments fix their parameters at construction."""


def bounds(dtype: Any) -> tuple[Any, Any]:
    """The widest ``(low, high)`` of ``dtype``."""
    if jnp.issubdtype(dtype, jnp.integer):
        return jnp.iinfo(dtype).min, jnp.iinfo(dtype).max
    if jnp.issubdtype(dtype, jnp.bool_):
        return False, True
    return -jnp.inf, jnp.inf


class GxmEnvironment:
    """A gxm ``Environment`` behind the memorax step contract.

    The observation space is a ``Box`` over the observation's own shape and dtype (gxm's
    declared observation spaces do not always describe the arrays); the action space is
    gxm's ``Discrete`` or ``Box``.

    Example:
        >>> env, params = make("gxm::Navix/Navix-Empty-5x5-v0")
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        obs = jax.eval_shape(lambda key: env.init(key)[1].next_obs, jax.random.key(0))
        if not isinstance(obs, jax.ShapeDtypeStruct):
            raise TypeError(f"gxm::{env.id}: only array observations are supported, got {type(obs).__name__}.")
        self._observation_space = Box(*bounds(obs.dtype), obs.shape, obs.dtype)
        space = env.action_space
        if hasattr(space, "n"):
            self._action_space: Discrete | Box = Discrete(int(space.n))
        elif hasattr(space, "low"):
            self._action_space = Box(space.low, space.high, tuple(space.shape))
        else:
            raise TypeError(f"gxm::{env.id}: only Discrete and Box action spaces are supported, got {space}.")

    @property
    def default_params(self) -> GxmParams:
        return GxmParams()

    def observation_space(self, params: GxmParams) -> Box:
        return self._observation_space

    def action_space(self, params: GxmParams) -> Discrete | Box:
        return self._action_space

    def reset(self, key: PRNGKey, params: GxmParams) -> tuple[Observation, Any]:
        state, timestep = self.env.init(key)
        return strong_types((timestep.next_obs, state))

    def step(
        self, key: PRNGKey, state: Any, action: Action, params: GxmParams
    ) -> tuple[Observation, Any, Array, Array, Array, Info]:
        check_action(action, self._action_space, f"gxm::{self.env.id}")
        state, timestep = self.env.step(key, state, action)
        terminated = jnp.asarray(timestep.terminated, dtype=bool)
        truncated = jnp.asarray(timestep.truncated, dtype=bool) & ~terminated
        final = jnp.where(truncated, timestep.true_next_obs, timestep.next_obs)
        info = {"final_observation": final}
        reward = jnp.asarray(timestep.reward, dtype=jnp.float32)
        return strong_types((timestep.next_obs, state, reward, terminated, truncated, info))


def ids() -> list[str]:
    """gxm names environments ``"Library/Name"``; these are its libraries."""
    return [f"{library}/<name>" for library in import_backend("gxm.registration", "gxm")._builtin]


def make(name: str, **kwargs: Any) -> tuple[GxmEnvironment, GxmParams]:
    """``gxm.make(name, **kwargs)`` behind the memorax contract; ``name`` is ``"Library/Name"``."""
    registration = import_backend("gxm.registration", "gxm")
    library, separator, _ = name.partition("/")
    if not separator or library not in {*registration._builtin, *registration._registry}:
        known = sorted({*registration._builtin, *registration._registry})
        raise ValueError(
            f"Unknown environment id gxm::{name!r}: gxm ids look like 'Library/Name' "
            f"(e.g. 'gxm::Navix/Navix-Empty-5x5-v0'). Known gxm libraries: {', '.join(known)}."
        )
    env = GxmEnvironment(registration.make(name, **kwargs))
    return env, env.default_params
