"""LabyrinthEscape and LabyrinthExplore: find the exit of, or visit all of, a maze seen through a 3x3 window
(Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes

FREE, WALL, START, GOAL = 0, 1, 2, 3
LEFT, RIGHT, UP, DOWN, NO_ACTION = 0, 1, 2, 3, 4
MOVES = jnp.array([[0, -1], [0, 1], [-1, 0], [1, 0]], jnp.int32)  # (row, col) offsets per action


def generate_maze(key: PRNGKey, rooms: tuple[int, int]) -> tuple[Array, Array, Array]:
    """A perfect maze by randomised depth-first search: ``(grid, start, end)``.

    ``grid`` is ``(2 * rows + 1, 2 * cols + 1)`` int32 of ``FREE`` / ``WALL`` with rooms at
    odd coordinates; ``start`` and ``end`` are ``(row, col)`` openings in the outer wall on
    opposite sides (POPGym uses mazelib's hunt-and-kill, another perfect-maze generator).
    """
    rows, cols = rooms
    height, width = 2 * rows + 1, 2 * cols + 1
    first_key, walk_key, side_key, start_key, end_key = jax.random.split(key, 5)
    first = jax.random.randint(first_key, (), 0, rows * cols)
    grid = jnp.full((height, width), WALL, jnp.int32).at[2 * (first // cols) + 1, 2 * (first % cols) + 1].set(FREE)
    visited = jnp.zeros(rows * cols, bool).at[first].set(True)
    stack = jnp.zeros(rows * cols, jnp.int32).at[0].set(first)

    def carve(step, carry):
        grid, visited, stack, depth = carry
        room = stack[jnp.maximum(depth - 1, 0)]
        here = jnp.stack([room // cols, room % cols])
        there = here + MOVES
        inside = jnp.all((there >= 0) & (there < jnp.array([rows, cols])), axis=1)
        index = there[:, 0] * cols + there[:, 1]
        options = inside & ~visited[jnp.clip(index, 0, rows * cols - 1)] & (depth > 0)
        move = jax.random.categorical(jax.random.fold_in(walk_key, step), jnp.where(options, 0.0, -jnp.inf))
        advance = jnp.any(options)
        target = there[move]
        wall = here + target + 1  # the wall between two rooms, in grid coordinates
        carved = grid.at[wall[0], wall[1]].set(FREE).at[2 * target[0] + 1, 2 * target[1] + 1].set(FREE)
        grid = jnp.where(advance, carved, grid)
        visited = jnp.where(advance, visited.at[index[move]].set(True), visited)
        stack = jnp.where(advance, stack.at[depth].set(index[move]), stack)
        return grid, visited, stack, jnp.where(advance, depth + 1, depth - 1)

    grid, *_ = jax.lax.fori_loop(0, 2 * rows * cols, carve, (grid, visited, stack, jnp.int32(1)))
    side = jax.random.randint(side_key, (), 0, 4)  # the start's side: north, south, west, east
    along_start = 2 * jax.random.randint(start_key, (), 0, jnp.where(side < 2, cols, rows)) + 1
    along_end = 2 * jax.random.randint(end_key, (), 0, jnp.where(side < 2, cols, rows)) + 1
    edge = jnp.array([0, height - 1, 0, width - 1])
    start = jnp.where(side < 2, jnp.stack([edge[side], along_start]), jnp.stack([along_start, edge[side]]))
    opposite = side ^ 1
    end = jnp.where(side < 2, jnp.stack([edge[opposite], along_end]), jnp.stack([along_end, edge[opposite]]))
    return grid, start.astype(jnp.int32), end.astype(jnp.int32)


@pytree_dataclass
class LabyrinthState:
    grid: Array  # (height, width) int32: FREE, WALL, START, GOAL
    position: Array  # (2,) int32 (row, col)
    explored: Array  # (height, width) bool
    time: Array


class Labyrinth(AutoResetEnvironment):
    """A maze of ``rooms`` seen through a 3x3 window; subclasses say what pays.

    Observation ``(9 * 4 + 5,)``: the 3x3 cells around the agent one-hot over free /
    wall / start / goal (outside the maze reads as wall), and the previous action
    one-hot (left, right, up, down, none at the start), as POPGym's maze observation.
    Action ``Discrete(4)``: left, right, up, down; moving into a wall stays put.
    Truncated after ``episode_length`` steps. Sizes (POPGym): 10x10, 14x14 and
    18x18 maze blocks (5x5, 7x7 and 9x9 rooms), 1024 steps. POPGym notes that its mazes
    can be solved without memory (e.g. by wall following, with the previous action in view).
    """

    marks_goal = False

    def __init__(self, rooms: tuple[int, int], episode_length: int = 1024) -> None:
        check_sizes(type(self).__name__, rows=rooms[0], cols=rooms[1], episode_length=episode_length)
        self.rooms = (int(rooms[0]), int(rooms[1]))
        self.episode_length = episode_length

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (9 * 4 + 5,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(4)

    def _observe(self, state: LabyrinthState, action: Array) -> Array:
        padded = jnp.pad(state.grid, 1, constant_values=WALL)
        window = jax.lax.dynamic_slice(padded, (state.position[0], state.position[1]), (3, 3))
        return jnp.concatenate(
            [jax.nn.one_hot(window.reshape(-1), 4).reshape(-1), jax.nn.one_hot(action, 5)]
        ).astype(jnp.float32)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, LabyrinthState]:
        grid, start, end = generate_maze(key, self.rooms)
        grid = grid.at[start[0], start[1]].set(START)
        if self.marks_goal:
            grid = grid.at[end[0], end[1]].set(GOAL)
        explored = jnp.zeros(grid.shape, bool).at[start[0], start[1]].set(True)
        state = LabyrinthState(grid, start, explored, jnp.int32(0))
        return self._observe(state, jnp.int32(NO_ACTION)), state

    def _move(self, state: LabyrinthState, action: Array) -> LabyrinthState:
        target = jnp.clip(state.position + MOVES[action], 0, jnp.array(state.grid.shape) - 1)
        position = jnp.where(state.grid[target[0], target[1]] == WALL, state.position, target)
        explored = state.explored.at[position[0], position[1]].set(True)
        return state.replace(position=position, explored=explored, time=state.time + 1)


class LabyrinthEscape(Labyrinth):
    """Find the exit (marked as goal when in view): ``-1 / episode_length`` per step, +1 and
    termination on reaching it.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (random walk among the open neighbours) 0.03 / -0.65 / -0.90; perfect
    memory (depth-first search on a map of where it has been, goal first when in view)
    0.96 / 0.92 / 0.86.
    """

    marks_goal = True

    def step_env(self, key: PRNGKey, state: LabyrinthState, action: Array, params: CardParams):
        state = self._move(state, action)
        terminated = state.grid[state.position[0], state.position[1]] == GOAL
        reward = jnp.where(terminated, 1.0, 0.0) - 1.0 / self.episode_length
        truncated = ~terminated & (state.time >= self.episode_length)
        return self._observe(state, action), state, reward, terminated, truncated, {}


class LabyrinthExplore(Labyrinth):
    """Visit every open cell: ``1 / F`` for entering a new one (``F`` free cells), else
    ``-1 / episode_length``; terminates when everything is explored.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (random walk among the open neighbours) -0.14 / -0.46 / -0.65; perfect
    memory (depth-first search on a map of where it has been) 0.97 / 0.93 / 0.87.
    """

    def step_env(self, key: PRNGKey, state: LabyrinthState, action: Array, params: CardParams):
        moved = self._move(state, action)
        new = ~state.explored[moved.position[0], moved.position[1]]
        free_cells = jnp.sum(state.grid == FREE)
        reward = jnp.where(new, 1.0 / free_cells, -1.0 / self.episode_length)
        terminated = jnp.all(moved.explored | (state.grid == WALL))
        truncated = ~terminated & (moved.time >= self.episode_length)
        return self._observe(moved, action), moved, reward, terminated, truncated, {}
