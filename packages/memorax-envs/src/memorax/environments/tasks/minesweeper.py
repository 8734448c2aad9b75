"""MineSweeper with the board hidden: a click tells only the mines around it (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp
from jax.scipy.signal import convolve2d

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes


@pytree_dataclass
class MineSweeperState:
    mines: Array  # (size**2,) bool
    counts: Array  # (size**2,) int32: mines in each cell's 3x3 neighbourhood
    cleared: Array  # (size**2,) bool
    time: Array


class MineSweeper(AutoResetEnvironment):
    """Click every free cell of a ``size x size`` board without hitting one of ``num_mines`` mines.

    Action ``Discrete(size**2)``: the cell ``row * size + col``. Observation
    ``(num_counts + 2 * size,)``: the number of mines around the clicked cell, one-hot
    (``num_counts = min(num_mines + 1, 10)``), and the clicked row and column one-hot
    (POPGym gives the count and lets the agent see its previous action; zeros before the
    first click). With ``F`` free cells, clearing a new one pays ``1 / F``, clicking a
    cleared one costs ``0.5 / (F - 2)``, and a mine costs ``0.5 + 1 / F`` and terminates.
    Clearing every free cell terminates; the episode is truncated after ``F + 1``
    clicks. Sizes (POPGym): 4x4 with 2 mines, 6x6 with 6, 8x8 with 10.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (click a random cell) -0.26 / -0.40 / -0.44; perfect memory (never click
    twice, click the neighbours of zero counts first, else a random unclicked cell)
    0.18 / -0.13 / -0.14.
    """

    def __init__(self, size: int, num_mines: int) -> None:
        check_sizes("MineSweeper", size=size, num_mines=num_mines)
        if num_mines > size**2 - 3:
            raise ValueError(f"MineSweeper: num_mines ({num_mines}) must leave at least 3 free cells of {size**2}.")
        self.size = size
        self.num_mines = num_mines
        self.num_free = size**2 - num_mines
        self.num_counts = min(num_mines + 1, 10)

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (self.num_counts + 2 * self.size,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.size**2)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, MineSweeperState]:
        cells = self.size**2
        mines = jnp.zeros(cells, bool).at[jax.random.choice(key, cells, (self.num_mines,), replace=False)].set(True)
        grid = mines.reshape(self.size, self.size).astype(jnp.int32)
        counts = convolve2d(grid, jnp.ones((3, 3), jnp.int32), mode="same").reshape(-1)
        state = MineSweeperState(mines, counts.astype(jnp.int32), jnp.zeros(cells, bool), jnp.int32(0))
        return jnp.zeros(self.num_counts + 2 * self.size, jnp.float32), state

    def step_env(self, key: PRNGKey, state: MineSweeperState, action: Array, params: CardParams):
        mine, seen = state.mines[action], state.cleared[action]
        success = 1.0 / self.num_free
        reward = jnp.where(mine, -0.5 - success, jnp.where(seen, -0.5 / (self.num_free - 2), success))
        cleared = state.cleared.at[action].set(~mine | seen)
        time = state.time + 1
        terminated = mine | jnp.all(cleared | state.mines)
        truncated = ~terminated & (time > self.num_free)
        row, col = jnp.divmod(action, self.size)
        observation = jnp.concatenate(
            [
                jax.nn.one_hot(jnp.minimum(state.counts[action], self.num_counts - 1), self.num_counts),
                jax.nn.one_hot(row, self.size),
                jax.nn.one_hot(col, self.size),
            ]
        ).astype(jnp.float32)
        return observation, state.replace(cleared=cleared, time=time), reward, terminated, truncated, {}
