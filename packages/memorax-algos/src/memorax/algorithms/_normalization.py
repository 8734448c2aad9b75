"""Running observation normalisation and reward scaling kept inside an algorithm's state.

Streaming learners see each sample once, so the scale of their inputs and TD errors
must be fixed online (Elsayed et al. 2024, arXiv:2410.14606, section 4): observations
are standardised with their running mean and variance, and rewards are divided by the
running standard deviation of the discounted return. The statistics pool every env of
the batch and are frozen during evaluation.
"""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PyTree

EPSILON = 1e-8


@pytree_dataclass
class Moments:
    """Running statistics of a value: ``count`` (float32 scalar), ``mean`` and ``var``."""

    count: Array
    mean: Array
    var: Array


def initial_moments(shape: tuple[int, ...]) -> Moments:
    return Moments(jnp.float32(0.0), jnp.zeros(shape, jnp.float32), jnp.ones(shape, jnp.float32))


def update_moments(moments: Moments, batch: Array) -> Moments:
    """Merges a batch ``(n, *shape)`` into the statistics (Chan et al.'s parallel formula)."""
    batch = batch.astype(jnp.float32)
    n = jnp.float32(batch.shape[0])
    total = moments.count + n
    delta = batch.mean(axis=0) - moments.mean
    mean = moments.mean + delta * n / total
    seen = moments.var * moments.count + batch.var(axis=0) * n + jnp.square(delta) * moments.count * n / total
    return Moments(total, mean, seen / total)


def std(moments: Moments) -> Array:
    """``sqrt(var + eps)``; 1 until two samples were seen (no spread is known before)."""
    return jnp.where(moments.count >= 2, jnp.sqrt(moments.var + EPSILON), 1.0)


def standardize(x: Array, moments: Moments) -> Array:
    """``(x - mean) / std`` in float32."""
    return (x.astype(jnp.float32) - moments.mean) / std(moments)


@pytree_dataclass
class Normalizer:
    """Observation moments (a tree like one observation) and discounted-return moments."""

    observation: PyTree
    reward: Moments
    discounted_return: Array  # (N,) float32, each env's running discounted return


def initial_normalizer(observation: PyTree) -> Normalizer:
    """Fresh statistics for batched observations ``(N, ...)``."""
    shapes = jax.tree.map(lambda x: initial_moments(x.shape[1:]), observation)
    num_envs = jax.tree.leaves(observation)[0].shape[0]
    return Normalizer(shapes, initial_moments(()), jnp.zeros((num_envs,), jnp.float32))


def observe(normalizer: Normalizer, observation: PyTree) -> Normalizer:
    """The statistics after a batch of observations ``(N, ...)``."""
    moments = jax.tree.map(update_moments, normalizer.observation, observation, is_leaf=lambda x: isinstance(x, Moments))
    return normalizer.replace(observation=moments)


def normalize_observation(normalizer: Normalizer, observation: PyTree) -> PyTree:
    """Standardises every leaf of a batch of observations with the current statistics."""
    return jax.tree.map(lambda m, x: standardize(x, m), normalizer.observation, observation, is_leaf=lambda x: isinstance(x, Moments))


def scale_reward(normalizer: Normalizer, reward: Array, episode_start: Array, gamma: float) -> tuple[Normalizer, Array]:
    """Updates the discounted returns ``G <- gamma * (1 - start) * G + r`` and their variance; ``r / std(G)``.

    Args:
        reward: ``(N,)`` rewards ``r_t``.
        episode_start: ``(N,)``, true where ``o_t`` started an episode (``G`` restarts).
    """
    discounted = gamma * (1.0 - episode_start.astype(jnp.float32)) * normalizer.discounted_return + reward
    moments = update_moments(normalizer.reward, discounted)
    scaled = reward / std(moments)
    return normalizer.replace(reward=moments, discounted_return=discounted), scaled
