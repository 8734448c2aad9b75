"""Reference returns of the built-in tasks agree with the closed forms their docstrings state."""

import pytest

from memorax.environments import make, reference_returns


@pytest.mark.parametrize(
    ("env_id", "memoryless", "perfect"),
    [
        ("memorax::RepeatPreviousMedium", -0.5, 1.0),  # 2/K - 1, K=4
        ("memorax::RepeatFirstMedium", -0.453125, 1.0),  # 1/L + (L-1)/L (2/K - 1), K=4, L=32
        ("memorax::CountRecallMedium", -0.75, 1.0),
        ("memorax::AutoencodeHard", -0.75, 1.0),  # K=8
        ("memorax::TMazeEasy", 0.0, 1.0),
        ("memorax::NoisyStatelessCartPoleHard", 0.084, 0.929),  # measured
        ("memorax::LabyrinthExploreHard", -0.65, 0.87),  # measured, POPGym suite
        ("memorax::NoisyPositionOnlyPendulumMedium", 0.33, 0.67),
    ],
)
def test_reference_returns__built_in_tasks(env_id, memoryless, perfect):
    references = reference_returns(make(env_id)[0])
    assert references["memoryless best"] == pytest.approx(memoryless, abs=1e-4)
    assert references["perfect memory"] == perfect


def test_reference_returns__none_for_other_envs_and_unmeasured_sizes():
    assert reference_returns(make("gymnax::CartPole-v1")[0]) is None
    assert reference_returns(make("memorax::StatelessCartPoleEasy", max_steps=123)[0]) is None
    assert reference_returns(make("memorax::BattleshipEasy", board_size=9)[0]) is None
