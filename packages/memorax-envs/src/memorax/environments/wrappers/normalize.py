"""Observation and reward normalisation with statistics shared across vectorised envs.

Statistics live in the wrapper state and are updated through
:func:`~memorax.environments.wrappers.running_moments.update_moments`, which pools
every env of a ``jax.vmap`` batch (see that module): all envs see the same
statistics, as with one normaliser for the whole vectorised environment.
"""

from typing import Any

import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey
from memorax.environments.wrappers.running_moments import RunningMoments, initial_moments, update_moments
from memorax.environments.wrappers.wrapper import Wrapper


@pytree_dataclass
class NormalizeObservationState:
    env_state: EnvState
    moments: RunningMoments


class NormalizeObservationWrapper(Wrapper):
    """Observations become ``clip((obs - mean) / sqrt(var + eps), -clip, clip)`` (float32).

    The running mean and variance are updated with every new observation (reset and
    step) before it is normalised; ``info["final_observation"]`` is normalised with the
    same statistics.

    Example:
        >>> env = NormalizeObservationWrapper(env)
        >>> obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)   # shared statistics
    """

    def __init__(self, env: Any, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        if clip <= 0 or epsilon <= 0:
            raise ValueError(f"NormalizeObservationWrapper: clip ({clip}) and epsilon ({epsilon}) must be positive.")
        super().__init__(env)
        self.clip = clip
        self.epsilon = epsilon

    def inner_state(self, state: NormalizeObservationState) -> EnvState:
        return state.env_state

    def _normalize(self, obs: Array, moments: RunningMoments) -> Array:
        scaled = (obs.astype(jnp.float32) - moments.mean) / jnp.sqrt(moments.var + self.epsilon)
        return jnp.clip(scaled, -self.clip, self.clip)

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, NormalizeObservationState]:
        obs, env_state = self.env.reset(key, params)
        moments = update_moments(initial_moments(jnp.shape(obs)), obs)
        return self._normalize(obs, moments), NormalizeObservationState(env_state, moments)

    def step(
        self, key: PRNGKey, state: NormalizeObservationState, action: Action, params: EnvParams
    ) -> tuple[Observation, NormalizeObservationState, Array, Array, Array, Info]:
        obs, env_state, reward, terminated, truncated, info = self.env.step(key, state.env_state, action, params)
        moments = update_moments(state.moments, obs)
        info = {**info, "final_observation": self._normalize(info["final_observation"], moments)}
        return (
            self._normalize(obs, moments),
            NormalizeObservationState(env_state, moments),
            reward,
            terminated,
            truncated,
            info,
        )


@pytree_dataclass
class NormalizeRewardState:
    env_state: EnvState
    discounted_return: Array  # float32, this env's running discounted return
    moments: RunningMoments


class NormalizeRewardWrapper(Wrapper):
    """Rewards are divided by the running standard deviation of the discounted return.

    As in Engstrom et al. (2020), "Implementation Matters in Deep Policy Gradients":
    scaling (not centring) by the return's spread keeps value targets near unit scale.
    The return accumulates per env and restarts with each episode; its statistics are
    shared by all envs.
    """

    def __init__(self, env: Any, gamma: float = 0.99, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        if not 0.0 <= gamma <= 1.0 or clip <= 0 or epsilon <= 0:
            raise ValueError(
                f"NormalizeRewardWrapper: gamma ({gamma}) must be in [0, 1], clip ({clip}) and epsilon ({epsilon}) positive."
            )
        super().__init__(env)
        self.gamma = gamma
        self.clip = clip
        self.epsilon = epsilon

    def inner_state(self, state: NormalizeRewardState) -> EnvState:
        return state.env_state

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, NormalizeRewardState]:
        obs, env_state = self.env.reset(key, params)
        shape = (self.env.num_agents,) if hasattr(self.env, "num_agents") else ()  # one reward per agent
        return obs, NormalizeRewardState(env_state, jnp.zeros(shape, jnp.float32), initial_moments(shape))

    def step(
        self, key: PRNGKey, state: NormalizeRewardState, action: Action, params: EnvParams
    ) -> tuple[Observation, NormalizeRewardState, Array, Array, Array, Info]:
        obs, env_state, reward, terminated, truncated, info = self.env.step(key, state.env_state, action, params)
        discounted_return = state.discounted_return * self.gamma + reward
        moments = update_moments(state.moments, discounted_return)
        scaled = jnp.clip(reward / jnp.sqrt(moments.var + self.epsilon), -self.clip, self.clip).astype(jnp.float32)
        done = jnp.all(terminated | truncated)
        discounted_return = jnp.where(done, 0.0, discounted_return).astype(jnp.float32)
        return obs, NormalizeRewardState(env_state, discounted_return, moments), scaled, terminated, truncated, info
