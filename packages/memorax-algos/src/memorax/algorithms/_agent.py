"""The method layout every algorithm shares: jitted ``train`` and ``evaluate``.

``train(key, state, num_steps) -> (state, logs)`` and ``evaluate(key, state, num_steps)
-> logs`` are compiled once per ``num_steps`` (a static argument): the state's shapes
and dtypes never change, so repeated calls reuse the compiled program, and
``jax.vmap(agent.train, in_axes=(0, 0, None))`` trains many seeds at once.
"""

from typing import Any

import jax

from memorax.core.logs import Logs
from memorax.core.typing import PRNGKey


class JittedAlgorithm:
    """Base class: subclasses implement ``_train`` and ``_evaluate`` (pure, unjitted)."""

    def __init__(self) -> None:
        self._jitted_train = jax.jit(self._train, static_argnames="num_steps")
        self._jitted_evaluate = jax.jit(self._evaluate, static_argnames="num_steps")

    def _train(self, key: PRNGKey, state: Any, num_steps: int) -> tuple[Any, Logs]:
        raise NotImplementedError

    def _evaluate(self, key: PRNGKey, state: Any, num_steps: int) -> Logs:
        raise NotImplementedError

    def warmup(self, key: PRNGKey, state: Any, num_steps: int) -> Any:
        """Fills replay before training; on-policy algorithms have none, so the state is returned as is."""
        return state

    def train(self, key: PRNGKey, state: Any, num_steps: int) -> tuple[Any, Logs]:
        """Trains on ``num_steps`` env transitions (summed over envs); returns the new state and logs."""
        return self._jitted_train(key, state, num_steps)

    def evaluate(self, key: PRNGKey, state: Any, num_steps: int) -> Logs:
        """Runs the policy on fresh envs and carries for ``num_steps`` transitions; the state is untouched."""
        return self._jitted_evaluate(key, state, num_steps)
