"""Action clipping and reward scaling."""

from typing import Any

import jax.numpy as jnp

from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey
from memorax.environments.auto_reset import check_action
from memorax.environments.wrappers.wrapper import Wrapper


class ClipActionWrapper(Wrapper):
    """Clips continuous actions to the action space's ``[low, high]`` before the env sees them.

    Gaussian policies sample outside the bounds; clipping here keeps the log-probability
    of the unclipped sample for the update while the env receives a valid action.
    """

    def __init__(self, env: Any) -> None:
        space = env.action_space(env.default_params)
        if not hasattr(space, "low"):
            raise TypeError(f"ClipActionWrapper needs a Box action space, got {space}.")
        super().__init__(env)

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        space = self.env.action_space(params)
        agents = (self.env.num_agents,) if hasattr(self.env, "num_agents") else ()
        check_action(action, space, "ClipActionWrapper", agents)  # before clipping can broadcast a wrong shape
        return self.env.step(key, state, jnp.clip(action, space.low, space.high), params)


class ScaleRewardWrapper(Wrapper):
    """Multiplies every reward by ``scale``."""

    def __init__(self, env: Any, scale: float) -> None:
        super().__init__(env)
        self.scale = scale

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        obs, state, reward, terminated, truncated, info = self.env.step(key, state, action, params)
        return obs, state, (reward * self.scale).astype(jnp.float32), terminated, truncated, info
