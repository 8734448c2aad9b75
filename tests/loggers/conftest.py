"""Multi-seed logs shaped like those of a vmapped ``train``: (seeds, steps, envs) episode
statistics where each seed finishes a different number of episodes (seed 2 none at first)."""

import math

import numpy as np
import pytest

NUM_SEEDS = 3
STEPS_PER_CALL = 8


def make_logs(call: int) -> dict[str, np.ndarray]:
    """Logs of the ``call``-th train call: 3 seeds, 4 steps x 2 envs, 3 updates."""
    seed, time, env = np.meshgrid(np.arange(3), np.arange(4), np.arange(2), indexing="ij")
    done = np.zeros((3, 4, 2), bool)
    done[0, 3, :] = True  # seed 0: two episodes end
    done[1, 1, 0] = True  # seed 1: one episode ends
    if call > 0:
        done[2, 2, 1] = True  # seed 2: none in the first call, then one
    updates = np.arange(3, dtype=np.float32)
    return {
        "step": np.full((3,), (call + 1) * STEPS_PER_CALL, np.int32),
        "episode/return": (100.0 * seed + 2.0 * time + env + 10.0 * call).astype(np.float32),
        "episode/length": (time + 1 + call).astype(np.int32),
        "episode/done": done,
        "losses/actor": (call + 0.5 * np.arange(3)[:, None] + updates).astype(np.float32),
        "losses/critic": np.full((3, 3), 0.25 * (call + 1), np.float32),
    }


def expected_return(call: int, seed: int) -> float:
    """The mean return of the episodes that ``make_logs(call)`` ends for ``seed`` (NaN if none)."""
    return [6.5, 102.0, math.nan if call == 0 else 205.0][seed] + 10.0 * call


def expected_actor_loss(call: int, seed: int) -> float:
    return call + 0.5 * seed + 1.0


@pytest.fixture
def log_calls() -> list[tuple[dict[str, np.ndarray], int]]:
    """Three ``(logs, step)`` pairs as a training loop would pass them to ``logger.log``."""
    return [(make_logs(call), (call + 1) * STEPS_PER_CALL) for call in range(3)]
