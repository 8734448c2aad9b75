"""The records that flow between environments, networks and algorithms.

Conventions (ARCHITECTURE.md section 3):

* Arrays are batch-major, ``(batch, time, ...)``; rollouts use ``time == 1``.
* ``done[b, t]`` is true when observation ``t`` of row ``b`` is the *first*
  observation of a new episode. Every sequence model resets its state before it
  processes such a step.
* A network sees ``(observation_t, action_{t-1}, reward_{t-1}, done_t)``; the
  previous action and reward are zero where ``done_t`` is true.
* An episode ends by *termination* (the MDP reached a terminal state: do not
  bootstrap) or by *truncation* (a time limit: bootstrap from the true final
  observation, not from the auto-reset one).
"""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, Observation, PyTree


@pytree_dataclass
class Timestep:
    """What a network is fed at one step.

    Attributes:
        observation: ``o_t``, any pytree of arrays.
        action: ``a_{t-1}``, zero where ``done`` is true.
        reward: ``r_{t-1}``, zero where ``done`` is true.
        done: true where ``o_t`` starts a new episode.
    """

    observation: Observation
    action: Array
    reward: Array
    done: Array

    def to_sequence(self) -> "Timestep":
        """Adds the time axis after the batch axis: ``(B, ...) -> (B, 1, ...)``."""
        return jax.tree.map(lambda x: jnp.expand_dims(x, 1), self)

    def from_sequence(self) -> "Timestep":
        """Removes a length-one time axis: ``(B, 1, ...) -> (B, ...)``."""
        return jax.tree.map(lambda x: jnp.squeeze(x, 1), self)


def first_timestep(observation: Observation, action: Array, reward: Array) -> Timestep:
    """The timestep right after ``reset``: zero previous action and reward, ``done`` set.

    Args:
        observation: batched observation ``(B, ...)``.
        action: an example action batch ``(B, ...)``; only its shape and dtype are used.
        reward: an example reward batch ``(B,)``; only its shape and dtype are used.
    """
    batch_shape = jnp.shape(reward)
    return Timestep(
        observation=observation,
        action=jnp.zeros_like(action),
        reward=jnp.zeros_like(reward),
        done=jnp.ones(batch_shape, dtype=bool),
    )


def next_timestep(
    observation: Observation,
    action: Array,
    reward: Array,
    terminated: Array,
    truncated: Array,
) -> Timestep:
    """The timestep after a step of an auto-resetting environment.

    ``observation`` is the observation returned by ``step`` (the first observation
    of the new episode where the episode ended), so ``done = terminated | truncated``
    and the previous action and reward are zeroed there.
    """
    done = jnp.logical_or(terminated, truncated)

    def zero_where_done(x: Array) -> Array:
        mask = jnp.reshape(done, done.shape + (1,) * (jnp.ndim(x) - done.ndim))
        return jnp.where(mask, jnp.zeros_like(x), x)

    return Timestep(
        observation=observation,
        action=zero_where_done(action),
        reward=zero_where_done(reward),
        done=done,
    )


@pytree_dataclass
class Transition:
    """One environment step as algorithms store and learn from it.

    Attributes:
        timestep: the input the network saw, ``(o_t, a_{t-1}, r_{t-1}, done_t)``.
        action: ``a_t``, the action taken.
        reward: ``r_t``, the reward that followed.
        terminated: the episode ended in a terminal state after ``a_t``.
        truncated: the episode was cut by a time limit after ``a_t``.
        next_observation: ``o_{t+1}`` *before* any auto-reset (the true final
            observation where the episode ended), used to bootstrap.
        carry: the sequence-model carry before ``o_t`` (``None`` when not stored).
        aux: algorithm-specific extras (log-probabilities, values, Q-values, ...).
    """

    timestep: Timestep
    action: Array
    reward: Array
    terminated: Array
    truncated: Array
    next_observation: Observation = None
    carry: PyTree = None
    aux: PyTree = None

    @property
    def episode_end(self) -> Array:
        """True where the episode ended after this step (terminated or truncated)."""
        return jnp.logical_or(self.terminated, self.truncated)
