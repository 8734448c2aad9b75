"""Concentration (the memory card game): flip two cards, keep them if they match (Morad et al., 2023, POPGym)."""

import math

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes
from memorax.environments.tasks.deck import CARDS_PER_DECK, NUM_RANKS, shuffled_deck

NO_CARD = -1


@pytree_dataclass
class ConcentrationState:
    values: Array  # (num_cards,): what each card shows (its colour or rank)
    face_up: Array  # (num_cards,) bool: matched pairs
    first: Array  # the card flipped earlier this turn, or NO_CARD
    time: Array


class Concentration(AutoResetEnvironment):
    """``num_cards`` cards lie face down; each step flips one; two flips make a turn.

    Two different cards with the same value (colour or rank, ``match``) stay face up
    and pay ``1 / (num_cards / 2)``; a mismatched turn costs ``2 / episode_length``;
    flipping a card that is already face up costs ``1 / episode_length`` per card in
    play and ends the turn. Observation ``(num_cards * (num_values + 1),)``: per card,
    one-hot over its value or "face down", showing the matched cards and the cards of
    the current turn (the second card of a turn is shown once, then turned back).
    Action ``Discrete(num_cards)``. The episode terminates when every card is face
    up and is truncated after ``ceil(2n - n / (2n - 1))`` steps (``n`` cards, the
    expected number of flips a perfect player needs). Sizes (POPGym): 1 deck by
    colour, 2 decks by colour, 1 deck by rank.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (flip a random face-down card) 0.44 / 0.47 / -0.82; perfect memory
    (remember every card seen, take known pairs, pair a new card with a known partner)
    0.81 / 0.82 / 0.70.
    """

    def __init__(self, num_decks: int, match: str) -> None:
        check_sizes("Concentration", num_decks=num_decks)
        if match not in ("colours", "ranks"):
            raise ValueError(f"Concentration: match must be 'colours' or 'ranks', got {match!r}.")
        self.num_decks = num_decks
        self.match = match
        self.num_cards = CARDS_PER_DECK * num_decks
        self.num_values = 2 if match == "colours" else NUM_RANKS
        n = self.num_cards
        self.episode_length = math.ceil(2 * n - n / (2 * n - 1))

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_cards * (self.num_values + 1),))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.num_cards)

    def _observe(self, values: Array, visible: Array) -> Array:
        shown = jnp.where(visible, values, self.num_values)
        return jax.nn.one_hot(shown, self.num_values + 1, dtype=jnp.float32).reshape(-1)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, ConcentrationState]:
        ranks, colours = shuffled_deck(key, self.num_decks)
        values = colours if self.match == "colours" else ranks
        face_up = jnp.zeros(self.num_cards, bool)
        state = ConcentrationState(values, face_up, jnp.int32(NO_CARD), jnp.int32(0))
        return self._observe(values, face_up), state

    def step_env(self, key: PRNGKey, state: ConcentrationState, action: Array, params: CardParams):
        second_flip = state.first != NO_CARD
        in_play = jnp.zeros(self.num_cards, bool).at[action].set(True)
        in_play = in_play.at[jnp.maximum(state.first, 0)].max(second_flip)
        observation = self._observe(state.values, state.face_up | in_play)
        already_up = state.face_up[action]
        match = second_flip & (state.values[state.first] == state.values[action]) & (state.first != action)
        failure = -1.0 / self.episode_length
        reward = jnp.where(
            already_up,
            failure * (1 + second_flip),
            jnp.where(second_flip, jnp.where(match, 1.0 / (self.num_cards // 2), 2 * failure), 0.0),
        )
        face_up = jnp.where(match & ~already_up, state.face_up | in_play, state.face_up)
        first = jnp.where(second_flip | already_up, NO_CARD, action).astype(jnp.int32)
        time = state.time + 1
        terminated = jnp.all(face_up)
        truncated = ~terminated & (time >= self.episode_length)
        state = ConcentrationState(state.values, face_up, first, time)
        return observation, state, reward, terminated, truncated, {}
