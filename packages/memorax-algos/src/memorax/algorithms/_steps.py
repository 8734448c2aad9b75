"""The env-step counter of every training state: exact far beyond int32.

An int32 counter wraps at 2.1e9 env steps, which GPU runs reach (Craftax at 4e9), and
then schedules and target-update timing break. Without ``jax_enable_x64`` there is
no int64, so :class:`StepCount` keeps two int32 words, ``high * 2**30 + low`` with
``0 <= low < 2**30``: exact up to 2**61 steps. It adds Python or int32 increments
below 2**30, reads as float32 for schedules and logs, and gives exact remainders for
period checks.
"""

import jax.numpy as jnp
import numpy as np

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, ArrayLike

_BITS = 30
_BASE = 1 << _BITS


@pytree_dataclass
class StepCount:
    """Env transitions done: ``high * 2**30 + low`` (int32 words, ``0 <= low < 2**30``).

    ``int(count)`` is exact (unbatched); ``count.shape`` is the batch shape (``()``, or
    ``(seeds,)`` under ``jax.vmap``); ``count + n`` adds ``n < 2**30`` steps.

    Example:
        >>> count = StepCount.of(2**31 - 8) + 16
        >>> int(count)
        2147483656
    """

    high: Array
    low: Array

    @classmethod
    def of(cls, steps: int = 0) -> "StepCount":
        """A concrete count of ``steps >= 0``."""
        if steps < 0:
            raise ValueError(f"StepCount.of needs steps >= 0, got {steps}.")
        return cls(high=jnp.asarray(steps >> _BITS, jnp.int32), low=jnp.asarray(steps & (_BASE - 1), jnp.int32))

    def __add__(self, steps: ArrayLike) -> "StepCount":
        total = self.low + jnp.asarray(steps, jnp.int32)
        return StepCount(high=self.high + (total >> _BITS), low=total & (_BASE - 1))

    def __int__(self) -> int:
        return int(np.asarray(self.high)) * _BASE + int(np.asarray(self.low))

    @property
    def shape(self) -> tuple[int, ...]:
        return jnp.shape(self.low)

    def as_float(self) -> Array:
        """float32 value (relative error below 6e-8): for schedules and ``logs["step"]``."""
        return self.high.astype(jnp.float32) * float(_BASE) + self.low.astype(jnp.float32)

    def remainder(self, period: int) -> Array:
        """Exact ``count mod period`` (int32) for a static ``0 < period < 2**31``."""
        if not 0 < period < 2**31:
            raise ValueError(f"period={period} must lie in (0, 2**31).")
        high = _mulmod(self.high.astype(jnp.uint32) % period, _BASE % period, period)
        return ((high + self.low.astype(jnp.uint32) % period) % period).astype(jnp.int32)


def _mulmod(a: Array, b: int, period: int) -> Array:
    """``a * b mod period`` for ``a, b < period < 2**31`` in uint32 (shift-and-add over ``b``'s bits)."""
    result = jnp.zeros_like(a)
    for bit in reversed(range(max(b.bit_length(), 1))):
        result = (result * 2) % period
        if (b >> bit) & 1:
            result = (result + a) % period
    return result
