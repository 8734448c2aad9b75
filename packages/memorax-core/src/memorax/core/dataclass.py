"""Frozen dataclasses that are JAX pytrees, without a dependency on flax."""

import dataclasses
from typing import Any, TypeVar

import jax

T = TypeVar("T")


def pytree_dataclass(cls: type[T]) -> type[T]:
    """Turns ``cls`` into a frozen dataclass whose fields are all pytree children.

    The class gains ``replace(**changes)`` (as ``dataclasses.replace``), so records
    read like flax structs while memorax-core stays a jax-only package.

    Example:
        >>> @pytree_dataclass
        ... class Pair:
        ...     a: jax.Array
        ...     b: jax.Array
        >>> jax.tree.map(lambda x: x + 1, Pair(a=1, b=2))
        Pair(a=2, b=3)
    """
    cls = dataclasses.dataclass(frozen=True)(cls)

    def replace(self: Any, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)

    cls.replace = replace  # type: ignore[attr-defined]
    field_names = [field.name for field in dataclasses.fields(cls)]
    return jax.tree_util.register_dataclass(cls, data_fields=field_names, meta_fields=[])
