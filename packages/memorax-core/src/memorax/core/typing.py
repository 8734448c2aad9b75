"""Type aliases shared by every memorax package."""

from typing import Any, TypeAlias

import jax

Array: TypeAlias = jax.Array
ArrayLike: TypeAlias = jax.typing.ArrayLike
PRNGKey: TypeAlias = jax.Array
PyTree: TypeAlias = Any
Carry: TypeAlias = PyTree
Params: TypeAlias = PyTree
EnvState: TypeAlias = PyTree
EnvParams: TypeAlias = Any
Observation: TypeAlias = PyTree
Action: TypeAlias = jax.Array
Info: TypeAlias = dict[str, Any]
