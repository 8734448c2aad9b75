"""The ``memorax::`` namespace: each built-in task at three sizes, ``<Task><Easy|Medium|Hard>``.

For the tasks memorax added first, Easy sizes are chosen so that a small recurrent agent
learns them on a CPU in about a minute; Medium and Hard stretch the memory span. The rest
of the POPGym suite (Battleship .. NoisyPositionOnlyPendulum) keeps POPGym's own sizes.
"""

from collections.abc import Callable
from typing import Any

from memorax.core.typing import EnvParams
from memorax.environments.backends import unknown_id
from memorax.environments.tasks.autoencode import Autoencode
from memorax.environments.tasks.battleship import Battleship
from memorax.environments.tasks.concentration import Concentration
from memorax.environments.tasks.count_recall import CountRecall
from memorax.environments.tasks.higher_lower import HigherLower
from memorax.environments.tasks.labyrinth import LabyrinthEscape, LabyrinthExplore
from memorax.environments.tasks.minesweeper import MineSweeper
from memorax.environments.tasks.multiarmed_bandit import MultiarmedBandit
from memorax.environments.tasks.position_only_pendulum import PositionOnlyPendulum
from memorax.environments.tasks.repeat_first import RepeatFirst
from memorax.environments.tasks.repeat_previous import RepeatPrevious
from memorax.environments.tasks.stateless_cartpole import StatelessCartPole
from memorax.environments.tasks.tmaze import TMaze

SIZES: dict[str, tuple[Callable[..., Any], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]] = {
    "RepeatFirst": (
        RepeatFirst,
        ({"num_values": 4, "length": 8}, {"num_values": 4, "length": 32}, {"num_values": 8, "length": 128}),
    ),
    "RepeatPrevious": (
        RepeatPrevious,
        (
            {"num_values": 4, "delay": 2, "length": 16},
            {"num_values": 4, "delay": 4, "length": 32},
            {"num_values": 8, "delay": 8, "length": 64},
        ),
    ),
    "CountRecall": (
        CountRecall,
        ({"num_values": 2, "length": 8}, {"num_values": 4, "length": 32}, {"num_values": 8, "length": 64}),
    ),
    "Autoencode": (
        Autoencode,
        ({"num_values": 4, "length": 4}, {"num_values": 4, "length": 8}, {"num_values": 8, "length": 16}),
    ),
    "StatelessCartPole": (StatelessCartPole, ({"max_steps": 200}, {"max_steps": 400}, {"max_steps": 600})),
    "NoisyStatelessCartPole": (
        StatelessCartPole,
        (
            {"max_steps": 200, "noise_std": 0.05},
            {"max_steps": 400, "noise_std": 0.075},
            {"max_steps": 600, "noise_std": 0.1},
        ),
    ),
    "TMaze": (TMaze, ({"corridor_length": 4}, {"corridor_length": 16}, {"corridor_length": 64})),
    # The rest of POPGym (Morad et al., 2023) at POPGym's own sizes.
    "Battleship": (Battleship, ({"board_size": 8}, {"board_size": 10}, {"board_size": 12})),
    "Concentration": (
        Concentration,
        (
            {"num_decks": 1, "match": "colours"},
            {"num_decks": 2, "match": "colours"},
            {"num_decks": 1, "match": "ranks"},
        ),
    ),
    "HigherLower": (HigherLower, ({"num_decks": 1}, {"num_decks": 2}, {"num_decks": 3})),
    "LabyrinthEscape": (LabyrinthEscape, ({"rooms": (5, 5)}, {"rooms": (7, 7)}, {"rooms": (9, 9)})),
    "LabyrinthExplore": (LabyrinthExplore, ({"rooms": (5, 5)}, {"rooms": (7, 7)}, {"rooms": (9, 9)})),
    "MineSweeper": (
        MineSweeper,
        ({"size": 4, "num_mines": 2}, {"size": 6, "num_mines": 6}, {"size": 8, "num_mines": 10}),
    ),
    "MultiarmedBandit": (
        MultiarmedBandit,
        ({"num_arms": 10, "length": 200}, {"num_arms": 20, "length": 400}, {"num_arms": 30, "length": 600}),
    ),
    "PositionOnlyPendulum": (
        PositionOnlyPendulum,
        ({"max_steps": 200}, {"max_steps": 150}, {"max_steps": 100}),
    ),
    "NoisyPositionOnlyPendulum": (
        PositionOnlyPendulum,
        (
            {"max_steps": 200, "noise_std": 0.1},
            {"max_steps": 200, "noise_std": 0.2},
            {"max_steps": 200, "noise_std": 0.3},
        ),
    ),
}
LEVELS = ("Easy", "Medium", "Hard")


def ids() -> list[str]:
    return [f"{task}{level}" for task in SIZES for level in LEVELS]


def make(name: str, **kwargs: Any) -> tuple[Any, EnvParams]:
    """Builds ``name`` (e.g. ``"RepeatFirstEasy"``); ``kwargs`` override the preset's sizes."""
    for task, (cls, presets) in SIZES.items():
        for level, preset in zip(LEVELS, presets, strict=True):
            if name == f"{task}{level}":
                env = cls(**{**preset, **kwargs})
                return env, env.default_params
    raise unknown_id("memorax", name, ids())
