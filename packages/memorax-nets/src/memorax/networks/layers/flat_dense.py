"""Apply every ``nn.Dense`` to 2-D inputs: ``(B, T, ..., F)`` is reshaped to ``(B * T * ..., F)``.

``nn.Dense`` on a ``(B, T, F)`` input is one ``dot_general`` with two free input axes.
Its weight gradient then contracts two axes at once, and XLA:CPU lowers that by
transposing the whole ``(B, T, out)`` cotangent before the matrix product: in PPO with
two 64-unit MLPs this was a quarter of each minibatch step. A Dense layer treats every
leading index alike, so applying it to the flattened rows gives the same numbers with
plain 2-D matrix products forwards and backwards.

This is done with flax's method interception, so it reaches every ``nn.Dense`` a user
puts in a feature extractor, torso or head, not only memorax's own layers.
"""

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import flax.linen as nn


def _dense_on_rows(next_fun: Callable[..., Any], args: tuple, kwargs: dict, context: Any) -> Any:
    if not (isinstance(context.module, nn.Dense) and context.method_name == "__call__" and len(args) == 1 and not kwargs):
        return next_fun(*args, **kwargs)
    (inputs,) = args
    if getattr(inputs, "ndim", 0) <= 2:
        return next_fun(inputs)
    leading = inputs.shape[:-1]
    outputs = next_fun(inputs.reshape(math.prod(leading), inputs.shape[-1]))
    return outputs.reshape(*leading, outputs.shape[-1])


@contextlib.contextmanager
def dense_on_rows() -> Iterator[None]:
    """Within this context every ``nn.Dense`` call sees its input as ``(rows, F)``.

    Example:
        >>> with dense_on_rows():
        ...     y = nn.Dense(8).apply(params, x)   # x (B, T, F): one (B * T, F) matmul
    """
    with nn.intercept_methods(_dense_on_rows):
        yield
