"""Shuffled decks of standard playing cards for HigherLower and Concentration."""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array, PRNGKey

NUM_RANKS = 13
CARDS_PER_DECK = 52


def shuffled_deck(key: PRNGKey, num_decks: int) -> tuple[Array, Array]:
    """``num_decks`` decks shuffled together: ``(ranks, colours)``, each ``(52 * num_decks,)`` int32.

    Ranks run ``0 .. 12`` (two to ace); colours are 0 (clubs, spades) or 1 (diamonds, hearts).
    """
    cards = jax.random.permutation(key, CARDS_PER_DECK * num_decks) % CARDS_PER_DECK
    return (cards % NUM_RANKS).astype(jnp.int32), (cards // (2 * NUM_RANKS)).astype(jnp.int32)
