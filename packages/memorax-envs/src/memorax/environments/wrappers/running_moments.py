"""Running mean and variance shared by every env of a ``jax.vmap`` batch.

Algorithms step environments as ``jax.vmap(env.step)`` over envs, so a wrapper's
statistics live in each env's state. To keep one set of statistics for the whole
batch, :func:`update_moments` carries a custom batching rule
(``jax.custom_batching.custom_vmap``): when it is vmapped over envs it pools the
whole batch of new values into the statistics and gives every env the same result.
Every env's copy starts equal (from ``reset``) and stays equal. Outer vmaps (over
seeds) batch the rule like ordinary code, so seeds never share statistics, and a
sharded env axis is reduced by the compiler. Unbatched, it updates with one value.
"""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array


@pytree_dataclass
class RunningMoments:
    count: Array  # float32 (), starts at a small epsilon so the first update dominates
    mean: Array
    var: Array


def initial_moments(shape: tuple[int, ...]) -> RunningMoments:
    return RunningMoments(jnp.float32(1e-4), jnp.zeros(shape, jnp.float32), jnp.ones(shape, jnp.float32))


def _merge(moments: RunningMoments, batch: Array) -> RunningMoments:
    """Chan et al.'s parallel update with a batch ``(n, *shape)``."""
    batch = batch.astype(jnp.float32)
    n = jnp.float32(batch.shape[0])
    batch_mean, batch_var = batch.mean(axis=0), batch.var(axis=0)
    total = moments.count + n
    delta = batch_mean - moments.mean
    mean = moments.mean + delta * n / total
    m2 = moments.var * moments.count + batch_var * n + delta**2 * moments.count * n / total
    return RunningMoments(total, mean, m2 / total)


@jax.custom_batching.custom_vmap
def update_moments(moments: RunningMoments, value: Array) -> RunningMoments:
    """The statistics after seeing ``value`` (pooled over the batch when vmapped)."""
    return _merge(moments, value[None])


@update_moments.def_vmap
def _update_moments_batched(axis_size: int, in_batched: list, moments: RunningMoments, value: Array):
    moments_batched, value_batched = in_batched
    moments = jax.tree.map(lambda leaf, batched: leaf[0] if batched else leaf, moments, moments_batched)
    values = value if value_batched else jnp.broadcast_to(value, (axis_size, *value.shape))
    pooled = _merge(moments, values)
    out_batched = jax.tree.map(lambda _: True, pooled)
    return jax.tree.map(lambda leaf: jnp.broadcast_to(leaf, (axis_size, *leaf.shape)), pooled), out_batched
