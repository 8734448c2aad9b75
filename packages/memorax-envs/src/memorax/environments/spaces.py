"""Observation and action spaces (the shapes of gymnax's ``Discrete`` and ``Box``).

memorax's own environments and the adapters describe spaces with these two classes,
so algorithms read ``.n`` or ``.low``/``.high``/``.shape`` whatever the backend.
"""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, ArrayLike, PRNGKey


class Discrete:
    """Integer values ``0 .. n - 1`` (shape ``()``)."""

    def __init__(self, n: int, dtype: Any = jnp.int32) -> None:
        if n < 1:
            raise ValueError(f"Discrete(n={n}): n must be at least 1.")
        self.n = int(n)
        self.shape: tuple[int, ...] = ()
        self.dtype = jnp.dtype(dtype)

    def sample(self, key: PRNGKey) -> Array:
        return jax.random.randint(key, (), 0, self.n, dtype=self.dtype)

    def contains(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        return (x.shape == ()) & jnp.issubdtype(x.dtype, jnp.integer) & (x >= 0) & (x < self.n)

    def __repr__(self) -> str:
        return f"Discrete({self.n})"


class Box:
    """Arrays of ``shape`` bounded element-wise by ``low`` and ``high`` (scalars broadcast)."""

    def __init__(self, low: ArrayLike, high: ArrayLike, shape: tuple[int, ...], dtype: Any = jnp.float32) -> None:
        self.shape = tuple(int(d) for d in shape)
        self.dtype = jnp.dtype(dtype)
        self.low = jnp.broadcast_to(jnp.asarray(low, self.dtype), self.shape)
        self.high = jnp.broadcast_to(jnp.asarray(high, self.dtype), self.shape)

    def sample(self, key: PRNGKey) -> Array:
        if jnp.issubdtype(self.dtype, jnp.integer):
            return jax.random.randint(key, self.shape, self.low, self.high + 1, dtype=self.dtype)
        low = jnp.maximum(self.low, -1e6)
        high = jnp.minimum(self.high, 1e6)
        return jax.random.uniform(key, self.shape, self.dtype, low, high)

    def contains(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        if x.shape != self.shape:
            return jnp.asarray(False)
        return jnp.all((x >= self.low) & (x <= self.high))

    def __repr__(self) -> str:
        return f"Box(shape={self.shape}, dtype={self.dtype.name})"


def from_backend(space: Any) -> Discrete | Box:
    """Converts a backend's discrete or box space (gymnax, jaxmarl, craftax, ...) to ours."""
    if hasattr(space, "n"):
        return Discrete(int(space.n), space.dtype)
    if hasattr(space, "low") and hasattr(space, "high"):
        return Box(space.low, space.high, space.shape, space.dtype)
    raise TypeError(
        f"Cannot convert {type(space).__name__} to a memorax space: only discrete and box spaces are supported."
    )
