"""The ``popjym::`` namespace: POPJym's environment names, served by memorax's own tasks.

POPJym (FLAIROx) is a JAX port of POPGym that is not on PyPI. memorax does not depend
on it: ``popjym::<Name><Difficulty>`` builds memorax's own implementation of the same
POPGym task (Morad et al., 2023) under POPJym's name, e.g. ``popjym::MinesweeperEasy``
is ``memorax::MineSweeperEasy`` and ``popjym::StatelessPendulumHard`` is
``memorax::PositionOnlyPendulumHard``. POPJym's NoisyStatelessMetaCartPole has no
memorax counterpart.
"""

from typing import Any

from memorax.core.typing import EnvParams
from memorax.environments.backends import unknown_id
from memorax.environments.tasks import registry

# POPJym's task name -> memorax's task name
TASKS = {
    "Autoencode": "Autoencode",
    "Battleship": "Battleship",
    "Concentration": "Concentration",
    "CountRecall": "CountRecall",
    "HigherLower": "HigherLower",
    "Minesweeper": "MineSweeper",
    "MultiArmedBandit": "MultiarmedBandit",
    "NoisyStatelessCartPole": "NoisyStatelessCartPole",
    "NoisyStatelessPendulum": "NoisyPositionOnlyPendulum",
    "RepeatFirst": "RepeatFirst",
    "RepeatPrevious": "RepeatPrevious",
    "StatelessCartPole": "StatelessCartPole",
    "StatelessPendulum": "PositionOnlyPendulum",
}


def ids() -> list[str]:
    return [f"{task}{level}" for task in TASKS for level in registry.LEVELS]


def memorax_id(name: str) -> str:
    """The ``memorax::`` id that serves POPJym's ``name`` (e.g. ``"MinesweeperEasy"`` -> ``"MineSweeperEasy"``)."""
    for task, ours in TASKS.items():
        for level in registry.LEVELS:
            if name == f"{task}{level}":
                return f"{ours}{level}"
    raise unknown_id("popjym", name, ids())


def make(name: str, **kwargs: Any) -> tuple[Any, EnvParams]:
    """Builds memorax's implementation of POPJym's ``name``; ``kwargs`` override the preset's sizes."""
    return registry.make(memorax_id(name), **kwargs)
