"""Reference returns of the built-in memory tasks: the best memoryless policy and perfect memory.

These are the numbers the task docstrings state (closed forms, or measured with scripted
policies for the cart-pole tasks), as code, so that plots can draw them. A task may
also define its own ``reference_returns()`` method, which takes precedence.
"""

from typing import Any

from memorax.environments.tasks.autoencode import Autoencode
from memorax.environments.tasks.count_recall import CountRecall
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
    elif isinstance(env, StatelessCartPole):
        known = _CARTPOLE.get((env.max_steps, float(env.noise_std)))
        return None if known is None else {MEMORYLESS: known[0], PERFECT: known[1]}
    else:
        return None
    return {MEMORYLESS: memoryless, PERFECT: 1.0}
