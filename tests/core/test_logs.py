"""The logs reductions against hand-computed values."""

import math

import numpy as np
import pytest

from memorax.core import logs as L


def _two_seed_logs():
    # seed 0 finishes episodes with returns 1 and 4; seed 1 finishes none.
    return {
        "step": np.array([8, 8]),
        "episode/return": np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]),
        "episode/length": np.array([[[3, 1], [1, 6]], [[1, 1], [1, 1]]]),
        "episode/done": np.array([[[True, False], [False, True]], [[False] * 2] * 2]),
        "losses/actor": np.array([[1.0, 2.0], [3.0, np.nan]]),
    }


def test_episode_return_per_seed__masked_mean_and_nan_without_episodes():
    per_seed = L.episode_return_per_seed(_two_seed_logs())
    np.testing.assert_allclose(per_seed[0], 2.5)
    assert math.isnan(per_seed[1])


def test_episode_return__skips_seeds_without_episodes():
    assert L.episode_return(_two_seed_logs()) == pytest.approx(2.5)


def test_episode_return__weighs_seeds_equally():
    logs = {
        "step": np.array([4, 4]),
        "episode/return": np.array([[1.0, 1.0, 1.0], [10.0, 0.0, 0.0]]),
        "episode/done": np.array([[True, True, True], [True, False, False]]),
    }
    # per seed: 1.0 (three episodes) and 10.0 (one episode) -> 5.5, not 13/4.
    assert L.episode_return(logs) == pytest.approx(5.5)


def test_episode_return__nan_when_no_episode_ended():
    logs = {"step": np.array(3), "episode/return": np.zeros((3, 2)), "episode/done": np.zeros((3, 2), bool)}
    assert math.isnan(L.episode_return(logs))


def test_unvmapped_logs_are_one_seed():
    logs = {
        "step": np.array(6),
        "episode/return": np.array([[2.0, 0.0], [0.0, 4.0]]),
        "episode/done": np.array([[True, False], [False, True]]),
    }
    assert L.num_seeds(logs) is None
    np.testing.assert_allclose(L.episode_return_per_seed(logs), [3.0])


def test_reduce_per_seed__every_key_to_one_number_per_seed():
    reduced = L.reduce_per_seed(_two_seed_logs())
    np.testing.assert_allclose(reduced["step"], [8, 8])
    np.testing.assert_allclose(reduced["episode/count"], [2, 0])
    np.testing.assert_allclose(reduced["episode/length"][0], 4.5)
    assert math.isnan(reduced["episode/length"][1])
    np.testing.assert_allclose(reduced["losses/actor"], [1.5, 3.0])  # NaN ignored
    across = L.reduce_across_seeds(reduced)
    assert across["losses/actor"] == pytest.approx(2.25)
    assert across["episode/return"] == pytest.approx(2.5)


def test_masked_mean__broadcasts_mask_over_trailing_agent_axis():
    values = np.array([[[1.0, 3.0], [5.0, 7.0]]])  # (seed, steps, agents)
    mask = np.array([[True, False]])
    np.testing.assert_allclose(L.masked_mean(values, mask, 1), [2.0])


def test_masked_mean__rejects_mismatched_mask():
    with pytest.raises(ValueError, match="prefix"):
        L.masked_mean(np.zeros((2, 3)), np.zeros((3,), bool))


def test_missing_step_and_episode_statistics_name_the_fix():
    with pytest.raises(KeyError, match="step"):
        L.num_seeds({"losses/x": np.zeros(2)})
    with pytest.raises(KeyError, match="RecordEpisodeStatistics"):
        L.episode_return({"step": np.array(1)})


def test_flatten_logs():
    assert L.flatten_logs({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a/b": 1, "a/c/d": 2, "e": 3}
