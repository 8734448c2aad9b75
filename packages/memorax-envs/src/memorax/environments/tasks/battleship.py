"""Battleship with the board hidden: only hit or miss comes back (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp
import numpy as np

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes


@pytree_dataclass
class BattleshipState:
    ships: Array  # (board_size**2,) bool
    fired: Array  # (board_size**2,) bool: cells shot at so far
    hits: Array
    time: Array


def placements(board_size: int, ship_size: int) -> np.ndarray:
    """Every in-bounds horizontal and vertical placement of a ship: ``(P, board_size**2)`` bool masks."""
    masks = []
    for row in range(board_size):
        for start in range(board_size - ship_size + 1):
            horizontal = np.zeros((board_size, board_size), bool)
            horizontal[row, start : start + ship_size] = True
            masks += [horizontal.ravel(), horizontal.T.ravel()]
    return np.stack(masks)


class Battleship(AutoResetEnvironment):
    """Sink ships on a ``board_size x board_size`` board by firing at cells one at a time.

    Action ``Discrete(board_size**2)``: the cell ``row * board_size + col`` to fire at.
    Observation ``(1 + 2 * board_size,)``: ``[hit, one-hot row, one-hot col]`` of the
    last shot (POPGym gives the hit bit and lets the agent see its previous action;
    zeros before the first shot). A hit on a new ship cell pays ``1 / H`` (``H`` ship
    cells in all), anything else ``-1 / (board_size**2 - H)``, so sinking every ship
    without a miss returns 1 and firing at every cell once returns 0. The episode
    terminates when every ship cell is hit and is truncated after ``board_size**2`` shots.
    Ships are placed uniformly among non-overlapping placements. Sizes (POPGym):
    board 8 / 10 / 12, ships ``(2, 3, 3, 4)``.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (fire at a uniformly random cell) -0.45 / -0.41 / -0.41; perfect memory
    (hunt and target: never fire twice, fire next to hits first, else on a checkerboard)
    0.48 / 0.53 / 0.56.
    """

    def __init__(self, board_size: int, ship_sizes: tuple[int, ...] = (2, 3, 3, 4)) -> None:
        check_sizes("Battleship", board_size=board_size, **{f"ship_sizes[{i}]": s for i, s in enumerate(ship_sizes)})
        if max(ship_sizes) > board_size or sum(ship_sizes) >= board_size**2 // 2:
            raise ValueError(f"Battleship: ship_sizes {ship_sizes} do not fit a {board_size}x{board_size} board.")
        self.board_size = board_size
        self.ship_sizes = tuple(ship_sizes)
        self.num_cells = board_size**2
        self.ship_cells = sum(ship_sizes)
        self._placements = {size: placements(board_size, size) for size in set(ship_sizes)}

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (1 + 2 * self.board_size,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.num_cells)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, BattleshipState]:
        ships = jnp.zeros(self.num_cells, bool)
        for ship_key, size in zip(jax.random.split(key, len(self.ship_sizes)), self.ship_sizes, strict=True):
            masks = jnp.asarray(self._placements[size])
            free = ~jnp.any(masks & ships, axis=1)
            choice = jax.random.categorical(ship_key, jnp.where(free, 0.0, -jnp.inf))
            ships = ships | masks[choice]
        observation = jnp.zeros(1 + 2 * self.board_size, jnp.float32)
        state = BattleshipState(ships, jnp.zeros(self.num_cells, bool), jnp.int32(0), jnp.int32(0))
        return observation, state

    def step_env(self, key: PRNGKey, state: BattleshipState, action: Array, params: CardParams):
        hit = state.ships[action] & ~state.fired[action]
        hits = state.hits + hit
        time = state.time + 1
        reward = jnp.where(hit, 1.0 / self.ship_cells, -1.0 / (self.num_cells - self.ship_cells))
        row, col = jnp.divmod(action, self.board_size)
        observation = jnp.concatenate(
            [
                hit.astype(jnp.float32)[None],
                jax.nn.one_hot(row, self.board_size, dtype=jnp.float32),
                jax.nn.one_hot(col, self.board_size, dtype=jnp.float32),
            ]
        )
        state = BattleshipState(state.ships, state.fired.at[action].set(True), hits, time)
        terminated = hits >= self.ship_cells
        truncated = ~terminated & (time >= self.num_cells)
        return observation, state, reward, terminated, truncated, {}
