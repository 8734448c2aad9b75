"""What the card tasks (RepeatFirst, RepeatPrevious, CountRecall, Autoencode) share.

A "card" is an integer in ``0 .. num_values - 1`` shown as a one-hot vector. Rewards
are ``+1 / n`` for a right answer and ``-1 / n`` for a wrong one over the ``n``
scored steps, so a perfect-memory policy returns exactly 1 in every task and a
guess scores ``2 / num_values - 1`` in expectation (POPGym's scaling).
"""

import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Discrete


@pytree_dataclass
class CardParams:
    """The card tasks have no parameters that can change without changing shapes."""


def one_hot_card(value: Array, num_values: int) -> Array:
    return jnp.eye(num_values, dtype=jnp.float32)[value]


def answer_reward(action: Array, target: Array, num_scored_steps: int) -> Array:
    """``+1 / n`` if ``action == target`` else ``-1 / n``."""
    return jnp.where(action == target, 1.0, -1.0).astype(jnp.float32) / num_scored_steps


def check_sizes(owner: str, **sizes: int) -> None:
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}.")


class CardTask(AutoResetEnvironment):
    """Base of the card tasks: ``num_values`` card values, episodes of ``length`` (scored) steps."""

    def __init__(self, num_values: int, length: int) -> None:
        check_sizes(type(self).__name__, num_values=num_values, length=length)
        self.num_values = num_values
        self.length = length

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.num_values)
