"""Reference returns of the built-in memory tasks: the best memoryless policy and perfect memory.

These are the numbers the task docstrings state (closed forms, or measured with scripted
policies for the cart-pole tasks and the rest of the POPGym suite), as code, so that plots
and the scoreboard can draw them and the tests can check them against scripted policies. A
task may also define its own ``reference_returns()`` method, which takes precedence.
"""

from typing import Any

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

MEMORYLESS = "memoryless best"
PERFECT = "perfect memory"

# (max_steps, noise_std) -> (memoryless, perfect), measured (see StatelessCartPole's docstring).
_CARTPOLE = {
    (200, 0.0): (0.214, 1.0), (400, 0.0): (0.107, 1.0), (600, 0.0): (0.071, 1.0),
    (200, 0.05): (0.247, 1.0), (400, 0.075): (0.130, 0.999), (600, 0.1): (0.084, 0.929),
}  # fmt: skip

# The rest of POPGym at its Easy / Medium / Hard sizes: the constructor arguments that tell
# the presets apart -> (memoryless, perfect memory), means of first episodes of the scripted
# policies in tests/envs/test_popgym_tasks.py (strong baselines, not proven optima).
_POPGYM: dict[type, tuple[tuple[str, ...], dict[tuple[Any, ...], tuple[float, float]]]] = {
    Battleship: (("board_size", "ship_sizes"), {
        (8, (2, 3, 3, 4)): (-0.45, 0.48), (10, (2, 3, 3, 4)): (-0.41, 0.53), (12, (2, 3, 3, 4)): (-0.41, 0.56),
    }),
    Concentration: (("num_decks", "match"), {
        (1, "colours"): (0.44, 0.81), (2, "colours"): (0.47, 0.82), (1, "ranks"): (-0.82, 0.70),
    }),
    HigherLower: (("num_decks",), {(1,): (0.49, 0.53), (2,): (0.49, 0.52), (3,): (0.49, 0.51)}),
    LabyrinthEscape: (("rooms", "episode_length"), {
        ((5, 5), 1024): (0.03, 0.96), ((7, 7), 1024): (-0.65, 0.92), ((9, 9), 1024): (-0.90, 0.86),
    }),
    LabyrinthExplore: (("rooms", "episode_length"), {
        ((5, 5), 1024): (-0.14, 0.97), ((7, 7), 1024): (-0.46, 0.93), ((9, 9), 1024): (-0.65, 0.87),
    }),
    MineSweeper: (("size", "num_mines"), {(4, 2): (-0.26, 0.18), (6, 6): (-0.40, -0.13), (8, 10): (-0.44, -0.14)}),
    MultiarmedBandit: (("num_arms", "length"), {
        (10, 200): (0.46, 0.63), (20, 400): (0.55, 0.70), (30, 600): (0.60, 0.70),
    }),
    PositionOnlyPendulum: (("max_steps", "noise_std"), {
        (200, 0.0): (0.36, 0.91), (150, 0.0): (0.36, 0.88), (100, 0.0): (0.37, 0.82),
        (200, 0.1): (0.33, 0.79), (200, 0.2): (0.33, 0.67), (200, 0.3): (0.32, 0.59),
    }),
}  # fmt: skip


def _measured(env: Any) -> tuple[float, float] | None:
    """The POPGym table's entry for ``env``'s sizes, or ``None`` (not a POPGym task, or sizes not measured)."""
    for cls, (fields, known) in _POPGYM.items():
        if type(env) is cls:
            return known.get(tuple(_plain(getattr(env, field)) for field in fields))
    return None


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, float) else value


def reference_returns(env: Any) -> dict[str, float] | None:
    """``{"memoryless best": r0, "perfect memory": r1}`` expected episode returns, or ``None`` when unknown.

    Example:
        >>> env, params = make("memorax::RepeatPreviousMedium")
        >>> reference_returns(env)
        {'memoryless best': -0.5, 'perfect memory': 1.0}
    """
    own = getattr(env, "reference_returns", None)
    if callable(own):
        return own()
    if isinstance(env, RepeatPrevious | Autoencode):
        memoryless = 2.0 / env.num_values - 1.0
    elif isinstance(env, RepeatFirst):
        memoryless = 1.0 / env.length + (env.length - 1) / env.length * (2.0 / env.num_values - 1.0)
    elif isinstance(env, CountRecall):
        memoryless = env.memoryless_optimum()[1]
    elif isinstance(env, TMaze):
        memoryless = 0.0
    elif type(env) in _POPGYM:
        known = _measured(env)
        return None if known is None else {MEMORYLESS: known[0], PERFECT: known[1]}
    elif isinstance(env, StatelessCartPole):
        known = _CARTPOLE.get((env.max_steps, float(env.noise_std)))
        return None if known is None else {MEMORYLESS: known[0], PERFECT: known[1]}
    else:
        return None
    return {MEMORYLESS: memoryless, PERFECT: 1.0}
