import math
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from memorax.loggers import CheckpointLogger

from . import toy_training
from .conftest import make_logs

N, M = 30, 20


def test_checkpoint_logger__resume_in_a_fresh_process_is_bit_identical(tmp_path):
    checkpoints = CheckpointLogger(tmp_path / "checkpoints")
    checkpoints.save(N, toy_training.train(toy_training.init(), N))
    checkpoints.finish()

    resumed = tmp_path / "resumed.npz"
    script = Path(toy_training.__file__)
    subprocess.run(
        [sys.executable, str(script), str(tmp_path / "checkpoints"), str(M), str(resumed)],
        check=True,
        capture_output=True,
        cwd=script.parent,
    )

    uninterrupted = toy_training.leaves(toy_training.train(toy_training.init(), N + M))
    with np.load(resumed) as restarted:
        assert sorted(restarted.files) == sorted(uninterrupted)
        for name, value in uninterrupted.items():
            np.testing.assert_array_equal(restarted[name], value, err_msg=name)
    assert int(uninterrupted["step"]) == N + M
    assert not np.array_equal(uninterrupted["w"], toy_training.leaves(toy_training.train(toy_training.init(), N))["w"])


def test_checkpoint_logger__restores_seed_stacked_states_and_saves_the_latest_scalars(tmp_path):
    states = jax.vmap(toy_training.init)(np.arange(3))
    checkpoints = CheckpointLogger(tmp_path, max_to_keep=2)
    checkpoints.log(make_logs(0), 8)
    checkpoints.save(8, states)
    checkpoints.log(make_logs(1), 16)
    checkpoints.save(16, states)
    checkpoints.save(24, states)

    assert checkpoints.steps == [16, 24]
    restored = checkpoints.restore(jax.eval_shape(lambda: states), step=16)
    for name, value in toy_training.leaves(states).items():
        np.testing.assert_array_equal(toy_training.leaves(restored)[name], value)
    metrics = checkpoints.metrics(16)
    assert metrics["episode/return"] == (16.5 + 112.0 + 215.0) / 3
    assert math.isclose(metrics["losses/critic"], 0.5)
    with pytest.raises(FileNotFoundError, match="no checkpoint for step 8"):
        checkpoints.restore(states, step=8)
    checkpoints.finish()
    checkpoints.finish()


def test_checkpoint_logger__restore_without_a_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"save\(step, state\)"):
        CheckpointLogger(tmp_path).restore(toy_training.init())
