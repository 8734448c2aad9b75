"""Episode returns and lengths in ``info``, for logging from inside a jitted ``train``."""

import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import EPISODE_DONE, EPISODE_LENGTH, EPISODE_RETURN
from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey
from memorax.environments.wrappers.wrapper import Wrapper


@pytree_dataclass
class EpisodeStatisticsState:
    env_state: EnvState
    episode_return: Array  # float32, () or (num_agents,)
    episode_length: Array  # int32 ()


class RecordEpisodeStatistics(Wrapper):
    """Adds ``info["episode/return"]`` (float32), ``["episode/length"]`` (int32), ``["episode/done"]`` (bool).

    ``episode/done`` is true at the step where an episode ended (terminated or
    truncated); there, return and length are that episode's totals. At other steps
    they are the running totals of the episode in progress. The counters are created
    as float32/int32 arrays, so the state's dtypes never change and a jitted
    ``train`` compiles once.

    Example:
        >>> env = RecordEpisodeStatistics(env)
        >>> obs, state, reward, terminated, truncated, info = env.step(key, state, action, params)
        >>> info["episode/return"], info["episode/done"]
    """

    def _zero_return(self, params: EnvParams) -> Array:
        return jnp.zeros((), jnp.float32)

    def inner_state(self, state: EpisodeStatisticsState) -> EnvState:
        return state.env_state

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EpisodeStatisticsState]:
        obs, env_state = self.env.reset(key, params)
        return obs, EpisodeStatisticsState(env_state, self._zero_return(params), jnp.zeros((), jnp.int32))

    def _episode_done(self, terminated: Array, truncated: Array) -> Array:
        return terminated | truncated

    def step(
        self, key: PRNGKey, state: EpisodeStatisticsState, action: Action, params: EnvParams
    ) -> tuple[Observation, EpisodeStatisticsState, Array, Array, Array, Info]:
        obs, env_state, reward, terminated, truncated, info = self.env.step(key, state.env_state, action, params)
        episode_return = state.episode_return + jnp.asarray(reward, jnp.float32)
        episode_length = state.episode_length + jnp.int32(1)
        done = jnp.asarray(self._episode_done(terminated, truncated), bool)
        info = {**info, EPISODE_RETURN: episode_return, EPISODE_LENGTH: episode_length, EPISODE_DONE: done}
        state = EpisodeStatisticsState(
            env_state,
            jnp.where(done, jnp.zeros_like(episode_return), episode_return),
            jnp.where(done, jnp.int32(0), episode_length),
        )
        return obs, state, reward, terminated, truncated, info


class MultiAgentRecordEpisodeStatistics(RecordEpisodeStatistics):
    """:class:`RecordEpisodeStatistics` for multi-agent envs: per-agent return ``(num_agents,)``,
    one length and one done flag per env (the episode ends when every agent is done)."""

    def _zero_return(self, params: EnvParams) -> Array:
        return jnp.zeros((self.env.num_agents,), jnp.float32)

    def _episode_done(self, terminated: Array, truncated: Array) -> Array:
        return jnp.all(terminated | truncated)
