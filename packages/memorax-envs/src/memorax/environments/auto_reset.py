"""The base class that turns one episode's dynamics into a memorax Environment.

Subclasses write ``reset_env`` and ``step_env`` for a single episode, returning
``terminated`` (the task ended) and ``truncated`` (a time limit) separately. ``step``
then adds what every memorax environment promises: same-step auto-reset, the true
last observation in ``info["final_observation"]``, a check of the action's shape, and
strongly typed outputs (a weak-typed leaf in a state or an info entry makes a jitted
``train`` recompile when the leaf later becomes strong).
"""

import abc
from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.protocols import Space
from memorax.core.typing import Action, Array, EnvParams, EnvState, Info, Observation, PRNGKey, PyTree


def strong_types(tree: PyTree) -> PyTree:
    """Returns ``tree`` with every leaf as a strongly typed ``jax.Array`` of the same dtype."""
    return jax.tree.map(lambda leaf: jnp.asarray(leaf, dtype=jnp.result_type(leaf)), tree)


def select_tree(condition: Array, on_true: PyTree, on_false: PyTree) -> PyTree:
    """Leaf-wise ``where(condition, on_true, on_false)``; ``condition`` broadcasts from the left."""

    def select(true_leaf: Array, false_leaf: Array) -> Array:
        cond = jnp.reshape(condition, jnp.shape(condition) + (1,) * (jnp.ndim(true_leaf) - jnp.ndim(condition)))
        return jnp.where(cond, true_leaf, false_leaf)

    return jax.tree.map(select, on_true, on_false)


def check_action(action: Any, space: Space, owner: str, batch_shape: tuple[int, ...] = ()) -> None:
    """Raises a ``ValueError`` (at trace time) when ``action`` does not fit ``space``.

    ``batch_shape`` is the leading shape expected in front of the space's own shape
    (``(num_agents,)`` for multi-agent environments).
    """
    expected = tuple(batch_shape) + tuple(space.shape)
    shape = tuple(jnp.shape(action))
    if shape != expected:
        hint = " Environments are unbatched: jax.vmap over envs to step a batch." if len(shape) > len(expected) else ""
        raise ValueError(f"{owner}.step: action has shape {shape}, expected {expected} for {space}.{hint}")
    if hasattr(space, "n") and not jnp.issubdtype(jnp.result_type(action), jnp.integer):
        raise ValueError(
            f"{owner}.step: a discrete action space needs integer actions, got dtype {jnp.result_type(action)}."
        )


class AutoResetEnvironment(abc.ABC):
    """Single-episode dynamics in, the core ``Environment`` protocol out.

    Example:
        >>> env, params = make("memorax::RepeatFirstEasy")
        >>> obs, state = env.reset(jax.random.key(0), params)
        >>> obs, state, reward, terminated, truncated, info = env.step(jax.random.key(1), state, 0, params)
    """

    @property
    @abc.abstractmethod
    def default_params(self) -> EnvParams: ...

    @abc.abstractmethod
    def observation_space(self, params: EnvParams) -> Space: ...

    @abc.abstractmethod
    def action_space(self, params: EnvParams) -> Space: ...

    @abc.abstractmethod
    def reset_env(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]:
        """The first observation and state of a fresh episode."""

    @abc.abstractmethod
    def step_env(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        """One transition of the current episode, without reset: ``(obs, state, reward, terminated, truncated, info)``."""

    def next_episode(self, key: PRNGKey, final_state: EnvState, params: EnvParams) -> tuple[Observation, EnvState]:
        """The start of the episode that follows ``final_state`` (a fresh ``reset_env`` unless overridden,
        e.g. to keep a meta-RL task across the episodes of a trial)."""
        return self.reset_env(key, params)

    def action_batch_shape(self) -> tuple[int, ...]:
        """Leading shape of an action before the action space's own: ``(num_agents,)`` for multi-agent envs."""
        return ()

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]:
        """Starts an episode: ``(observation, state)``."""
        return strong_types(self.reset_env(key, params))

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]:
        """One transition with auto-reset: ``(obs, state, reward, terminated, truncated, info)``.

        Where the episode ended, ``obs``/``state`` start the next episode and
        ``info["final_observation"]`` is the last observation of the finished one.
        With per-agent flags the episode ends when every agent is done.
        """
        check_action(action, self.action_space(params), type(self).__name__, self.action_batch_shape())
        step_key, reset_key = jax.random.split(key)
        obs, next_state, reward, terminated, truncated, info = self.step_env(step_key, state, action, params)
        terminated = jnp.asarray(terminated, dtype=bool)
        truncated = jnp.asarray(truncated, dtype=bool)
        reset_obs, reset_state = self.next_episode(reset_key, next_state, params)
        done = jnp.all(terminated | truncated)
        info = {**info, "final_observation": obs}
        return strong_types(
            (
                select_tree(done, reset_obs, obs),
                select_tree(done, reset_state, next_state),
                jnp.asarray(reward, dtype=jnp.float32),
                terminated,
                truncated,
                info,
            )
        )
