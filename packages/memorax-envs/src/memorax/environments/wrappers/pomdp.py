"""Observation wrappers that turn an MDP into a POMDP: mask, noise, flicker, delay, periodic.

Each one changes the reset observation, the step observation and
``info["final_observation"]`` the same way (so where no episode ended the final
observation still equals the observation). The stateful ones (delay, periodic) clear
their memory when an episode auto-resets: nothing of one episode leaks into the next.
"""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey
from memorax.environments.spaces import Box
from memorax.environments.wrappers.wrapper import Wrapper


class _StatelessObservationWrapper(Wrapper):
    """Applies ``view(key, obs)`` to every observation, one random draw per step."""

    def view(self, key: PRNGKey, obs: Array) -> Array:
        raise NotImplementedError

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]:
        reset_key, view_key = jax.random.split(key)
        obs, state = self.env.reset(reset_key, params)
        return self.view(view_key, obs), state

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        step_key, view_key = jax.random.split(key)
        obs, state, reward, terminated, truncated, info = self.env.step(step_key, state, action, params)
        info = {**info, "final_observation": self.view(view_key, info["final_observation"])}
        return self.view(view_key, obs), state, reward, terminated, truncated, info


class MaskObservationWrapper(_StatelessObservationWrapper):
    """Keeps only the observation features at ``keep`` (indices into the last axis).

    Example (positions of CartPole, without velocities):
        >>> env = MaskObservationWrapper(env, keep=[0, 2])
    """

    def __init__(self, env: Any, keep: Sequence[int]) -> None:
        super().__init__(env)
        num_features = env.observation_space(env.default_params).shape[-1]
        keep = [int(i) for i in keep]
        if not keep or any(not -num_features <= i < num_features for i in keep):
            raise ValueError(
                f"MaskObservationWrapper: keep={keep} must be non-empty indices into {num_features} features."
            )
        self.keep = jnp.asarray(keep)

    def observation_space(self, params: EnvParams) -> Box:
        space = self.env.observation_space(params)
        low, high = jnp.broadcast_to(space.low, space.shape), jnp.broadcast_to(space.high, space.shape)
        return Box(low[..., self.keep], high[..., self.keep], (*space.shape[:-1], len(self.keep)), space.dtype)

    def view(self, key: PRNGKey, obs: Array) -> Array:
        return obs[..., self.keep]


class NoisyObservationWrapper(_StatelessObservationWrapper):
    """Adds Gaussian noise of standard deviation ``std`` to every observation feature."""

    def __init__(self, env: Any, std: float) -> None:
        if std < 0:
            raise ValueError(f"NoisyObservationWrapper: std must be >= 0, got {std}.")
        super().__init__(env)
        self.std = std

    def observation_space(self, params: EnvParams) -> Box:
        space = self.env.observation_space(params)
        return Box(-jnp.inf, jnp.inf, space.shape, jnp.float32)

    def view(self, key: PRNGKey, obs: Array) -> Array:
        return obs + self.std * jax.random.normal(key, jnp.shape(obs), jnp.float32)


class FlickerObservationWrapper(_StatelessObservationWrapper):
    """Blanks the whole observation (zeros) with probability ``probability`` at each step."""

    def __init__(self, env: Any, probability: float) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"FlickerObservationWrapper: probability must be in [0, 1], got {probability}.")
        super().__init__(env)
        self.probability = probability

    def view(self, key: PRNGKey, obs: Array) -> Array:
        return jnp.where(jax.random.bernoulli(key, self.probability), jnp.zeros_like(obs), obs)


@pytree_dataclass
class DelayedObservationState:
    env_state: EnvState
    buffer: Array  # (delay, *obs_shape): the last `delay` observations, oldest first (zeros before the episode)


class DelayedObservationWrapper(Wrapper):
    """The agent sees the observation from ``delay`` steps ago (zeros for an episode's first ``delay`` steps)."""

    def __init__(self, env: Any, delay: int) -> None:
        if delay < 1:
            raise ValueError(f"DelayedObservationWrapper: delay must be >= 1, got {delay}.")
        super().__init__(env)
        self.delay = delay

    def inner_state(self, state: DelayedObservationState) -> EnvState:
        return state.env_state

    def _push(self, buffer: Array, obs: Array) -> Array:
        return jnp.concatenate([buffer[1:], obs[None]])

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, DelayedObservationState]:
        obs, env_state = self.env.reset(key, params)
        empty = jnp.zeros((self.delay, *jnp.shape(obs)), jnp.result_type(obs))
        return empty[0], DelayedObservationState(env_state, self._push(empty, obs))

    def step(
        self, key: PRNGKey, state: DelayedObservationState, action: Action, params: EnvParams
    ) -> tuple[Observation, DelayedObservationState, Array, Array, Array, Info]:
        obs, env_state, reward, terminated, truncated, info = self.env.step(key, state.env_state, action, params)
        done = jnp.all(terminated | truncated)
        final_view = state.buffer[0]  # what the agent sees at the step that ended (or continues) the episode
        empty = jnp.zeros_like(state.buffer)
        buffer = jnp.where(done, self._push(empty, obs), self._push(state.buffer, obs))
        view = jnp.where(done, empty[0], final_view)
        info = {**info, "final_observation": final_view}
        return view, DelayedObservationState(env_state, buffer), reward, terminated, truncated, info


@pytree_dataclass
class PeriodicObservationState:
    env_state: EnvState
    time: Array  # int32 steps since the episode started


class PeriodicObservationWrapper(Wrapper):
    """Shows the observation only every ``period`` steps of an episode (from its first step); zeros between."""

    def __init__(self, env: Any, period: int) -> None:
        if period < 1:
            raise ValueError(f"PeriodicObservationWrapper: period must be >= 1, got {period}.")
        super().__init__(env)
        self.period = period

    def inner_state(self, state: PeriodicObservationState) -> EnvState:
        return state.env_state

    def _view(self, obs: Array, time: Array) -> Array:
        return jnp.where(time % self.period == 0, obs, jnp.zeros_like(obs))

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, PeriodicObservationState]:
        obs, env_state = self.env.reset(key, params)
        return obs, PeriodicObservationState(env_state, jnp.int32(0))

    def step(
        self, key: PRNGKey, state: PeriodicObservationState, action: Action, params: EnvParams
    ) -> tuple[Observation, PeriodicObservationState, Array, Array, Array, Info]:
        obs, env_state, reward, terminated, truncated, info = self.env.step(key, state.env_state, action, params)
        done = jnp.all(terminated | truncated)
        time = state.time + 1
        info = {**info, "final_observation": self._view(info["final_observation"], time)}
        time = jnp.where(done, jnp.int32(0), time)
        return self._view(obs, time), PeriodicObservationState(env_state, time), reward, terminated, truncated, info
