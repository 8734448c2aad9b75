"""T-maze: a cue at the start says which arm of the junction pays (Bakker, 2001)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import check_sizes

RIGHT, LEFT, UP, DOWN = 0, 1, 2, 3


@pytree_dataclass
class TMazeParams:
    max_steps_in_episode: Array


@pytree_dataclass
class TMazeState:
    position: Array  # 0 (start, cue shown) .. corridor_length (junction)
    goal: Array  # 0: the up arm pays, 1: the down arm pays
    time: Array


class TMaze(AutoResetEnvironment):
    """Walk a corridor to a junction and turn towards the arm the start cue named.

    Observation ``(4,)``: ``[cue up, cue down, in corridor, at junction]`` (the cue is
    visible only at the start cell). Actions ``Discrete(4)``: right, left, up, down;
    up/down at the junction end the episode (terminated) with reward +1 for the cued
    arm and -1 for the other; elsewhere they do nothing. Episodes are truncated after
    ``params.max_steps_in_episode`` steps (default ``4 * (corridor_length + 1)``).

    Returns: perfect memory 1 (``corridor_length + 1`` steps). Memoryless optimum 0
    (the junction looks the same for both cues; a coin flip or never turning both give 0).
    Easy: corridor 4, Medium: 16, Hard: 64.
    """

    def __init__(self, corridor_length: int) -> None:
        check_sizes("TMaze", corridor_length=corridor_length)
        self.corridor_length = corridor_length

    @property
    def default_params(self) -> TMazeParams:
        return TMazeParams(max_steps_in_episode=jnp.int32(4 * (self.corridor_length + 1)))

    def observation_space(self, params: TMazeParams) -> Box:
        return Box(0.0, 1.0, (4,))

    def action_space(self, params: TMazeParams) -> Discrete:
        return Discrete(4)

    def _observe(self, state: TMazeState) -> Array:
        at_start = state.position == 0
        return jnp.stack(
            [
                at_start & (state.goal == 0),
                at_start & (state.goal == 1),
                (state.position > 0) & (state.position < self.corridor_length),
                state.position == self.corridor_length,
            ]
        ).astype(jnp.float32)

    def reset_env(self, key: PRNGKey, params: TMazeParams) -> tuple[Array, TMazeState]:
        state = TMazeState(position=jnp.int32(0), goal=jax.random.randint(key, (), 0, 2), time=jnp.int32(0))
        return self._observe(state), state

    def step_env(self, key: PRNGKey, state: TMazeState, action: Array, params: TMazeParams):
        turned = (state.position == self.corridor_length) & ((action == UP) | (action == DOWN))
        reward = jnp.where(turned, jnp.where(action - UP == state.goal, 1.0, -1.0), 0.0)
        moved = state.position + (action == RIGHT) - (action == LEFT)
        state = state.replace(position=jnp.clip(moved, 0, self.corridor_length).astype(jnp.int32), time=state.time + 1)
        truncated = ~turned & (state.time >= params.max_steps_in_episode)
        return self._observe(state), state, reward, turned, truncated, {}
