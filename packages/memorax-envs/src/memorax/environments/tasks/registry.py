"""The ``memorax::`` namespace: each built-in task at three sizes, ``<Task><Easy|Medium|Hard>``.

Easy sizes are chosen so that a small recurrent agent learns them on a CPU in about a
minute; Medium and Hard stretch the memory span.
"""

from collections.abc import Callable
from typing import Any

from memorax.core.typing import EnvParams
from memorax.environments.backends import unknown_id
from memorax.environments.tasks.autoencode import Autoencode
from memorax.environments.tasks.count_recall import CountRecall
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
