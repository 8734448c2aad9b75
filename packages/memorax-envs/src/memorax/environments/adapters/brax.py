"""``brax::`` continuous-control environments (brax 0.14, generalized backend by default).

brax's base environments have no time limit and no reset of their own. The adapter
adds both: a step limit ``params.max_steps_in_episode`` (truncation) next to brax's
``done`` (termination, e.g. a fallen ant), and same-step auto-reset.
"""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.spaces import Box


@pytree_dataclass
class BraxParams:
    max_steps_in_episode: Array  # int32


@pytree_dataclass
class BraxState:
    pipeline: Any  # brax.envs.base.State
    time: Array  # int32 steps in this episode


class BraxEnvironment(AutoResetEnvironment):
    """A brax environment with a time limit; actions ``Box(-1, 1, (action_size,))``.

    Example:
        >>> env, params = make("brax::inverted_pendulum", episode_length=1000)
    """

    def __init__(self, env: Any, episode_length: int = 1000) -> None:
        if episode_length < 1:
            raise ValueError(f"episode_length must be a positive number of steps, got {episode_length}.")
        self.env = env
        self.episode_length = episode_length
        # brax's `observation_size` runs a reset eagerly (seconds); tracing one is enough
        obs = jax.eval_shape(lambda key: self.observation(env.reset(key).obs), jax.random.key(0))
        self._observation_space = Box(-jnp.inf, jnp.inf, obs.shape, obs.dtype)
        self._action_space = Box(-1.0, 1.0, (env.action_size,))

    def observation(self, obs: Any) -> Array:
        """The policy's observation from the pipeline state's ``obs`` (itself for brax)."""
        return obs

    @property
    def default_params(self) -> BraxParams:
        return BraxParams(max_steps_in_episode=jnp.int32(self.episode_length))

    def observation_space(self, params: BraxParams) -> Box:
        return self._observation_space

    def action_space(self, params: BraxParams) -> Box:
        return self._action_space

    def reset_env(self, key: PRNGKey, params: BraxParams) -> tuple[Array, BraxState]:
        pipeline = self.env.reset(key)
        return self.observation(pipeline.obs), BraxState(pipeline, jnp.int32(0))

    def step_env(self, key: PRNGKey, state: BraxState, action: Array, params: BraxParams):
        pipeline = self.env.step(state.pipeline, action)
        time = state.time + 1
        terminated = pipeline.done > 0.5
        truncated = ~terminated & (time >= params.max_steps_in_episode)
        return self.observation(pipeline.obs), BraxState(pipeline, time), pipeline.reward, terminated, truncated, {}


def ids() -> list[str]:
    return list(import_backend("brax.envs", "brax")._envs)


def make(name: str, episode_length: int = 1000, **kwargs: Any) -> tuple[BraxEnvironment, BraxParams]:
    """``kwargs`` go to ``brax.envs.get_environment`` (e.g. ``backend="spring"``)."""
    envs = import_backend("brax.envs", "brax")
    if name not in envs._envs:
        raise unknown_id("brax", name, envs._envs)
    env = BraxEnvironment(envs.get_environment(name, **kwargs), episode_length)
    return env, env.default_params
