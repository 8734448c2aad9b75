"""``gymnax::`` environments (gymnax >= 1.0.1: classic control, bsuite, MinAtar, misc).

gymnax 1.x already steps with the memorax signature (auto-reset, separate
``terminated``/``truncated``, ``info["final_observation"]``); the adapter adds the
action-shape check and strong dtypes (gymnax returns weak-typed rewards and flags).
"""

from typing import Any

from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey
from memorax.environments.auto_reset import check_action, strong_types
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.wrappers.wrapper import Wrapper


class GymnaxEnvironment(Wrapper):
    """A gymnax (>= 1.0) environment with checked actions and strongly typed outputs.

    Example:
        >>> env, params = make("gymnax::CartPole-v1")
        >>> obs, state = env.reset(jax.random.key(0), params)
    """

    def __init__(self, env: Any) -> None:
        if not hasattr(env, "is_truncated"):
            raise TypeError(
                f"{type(env).__name__} has the gymnax 0.0.x step API (5-tuple); memorax needs gymnax>=1.0.1. "
                "A package such as stable-gymnax may have overwritten gymnax's files: reinstall gymnax."
            )
        super().__init__(env)

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]:
        return strong_types(self.env.reset(key, params))

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        check_action(action, self.action_space(params), self.env.name)
        return strong_types(self.env.step(key, state, action, params))


def ids() -> list[str]:
    return list(import_backend("gymnax", "gymnax").registered_envs)


def make(name: str, **kwargs: Any) -> tuple[GymnaxEnvironment, EnvParams]:
    gymnax = import_backend("gymnax", "gymnax")
    if name not in gymnax.registered_envs:
        raise unknown_id("gymnax", name, gymnax.registered_envs)
    env, params = gymnax.make(name, **kwargs)
    return GymnaxEnvironment(env), params
