"""HigherLower: will the next card be higher or lower? Counting cards helps (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes, one_hot_card
from memorax.environments.tasks.deck import CARDS_PER_DECK, NUM_RANKS, shuffled_deck

HIGHER, LOWER = 0, 1


@pytree_dataclass
class HigherLowerState:
    ranks: Array  # (deck_size,): the shuffled deck, dealt in order
    position: Array  # index of the card in view


class HigherLower(AutoResetEnvironment):
    """Cards of ``num_decks`` shuffled decks are dealt one by one; guess if the next ranks higher or lower.

    Observation ``(13,)``: the rank of the card in view, one-hot. Action ``Discrete(2)``:
    0 higher, 1 lower. A right guess pays ``1 / deck_size``, a wrong one costs as much,
    a tie pays 0. The episode terminates when the deck is dealt (``deck_size - 1``
    guesses). Sizes (POPGym): 1 / 2 / 3 decks.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless optimum (higher below the middle rank, lower above) 0.49 / 0.49 / 0.49;
    perfect memory (count the cards dealt, guess the likelier side of what is left)
    0.53 / 0.52 / 0.51.
    """

    def __init__(self, num_decks: int) -> None:
        check_sizes("HigherLower", num_decks=num_decks)
        self.num_decks = num_decks
        self.deck_size = CARDS_PER_DECK * num_decks

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (NUM_RANKS,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(2)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, HigherLowerState]:
        ranks, _ = shuffled_deck(key, self.num_decks)
        return one_hot_card(ranks[0], NUM_RANKS), HigherLowerState(ranks, jnp.int32(0))

    def step_env(self, key: PRNGKey, state: HigherLowerState, action: Array, params: CardParams):
        current, following = state.ranks[state.position], state.ranks[state.position + 1]
        right = (following > current) == (action == HIGHER)
        reward = jnp.where(following == current, 0.0, jnp.where(right, 1.0, -1.0)) / self.deck_size
        position = state.position + 1
        terminated = position >= self.deck_size - 1
        observation = one_hot_card(following, NUM_RANKS)
        return observation, state.replace(position=position), reward, terminated, jnp.bool_(False), {}
