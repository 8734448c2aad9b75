"""RL2Wrapper: memory resets once per trial and ignores episode boundaries."""

import flax.linen as nn
import jax.numpy as jnp
import numpy as np
import pytest
from sequence_model_cases import BATCH, FEATURES, LENGTH, build, inputs

from memorax.networks import RNN, RL2Wrapper


def test_rl2__ignores_episode_done() -> None:
    case = build("rl2_gru")
    x = inputs(21)
    _, y = case.apply(case.params, x, jnp.zeros((BATCH, LENGTH), bool), case.fresh())
    _, y_done = case.apply(case.params, x, jnp.ones((BATCH, LENGTH), bool), case.fresh())
    np.testing.assert_array_equal(y, y_done)


def test_rl2__resets_at_trial_boundaries_only() -> None:
    case = build("rl2_gru")  # steps_per_trial = 3: trials start at steps 0 and 3
    x = inputs(22)
    done = jnp.zeros((BATCH, LENGTH), bool)
    _, y = case.apply(case.params, x, done, case.fresh())
    _, y_early = case.apply(case.params, x.at[:, :3].add(1.0), done, case.fresh())
    _, y_late = case.apply(case.params, x.at[:, 1].add(1.0), done, case.fresh())
    np.testing.assert_allclose(y_early[:, 3:], y[:, 3:], rtol=1e-6)
    assert not np.allclose(y_late[:, 2], y[:, 2])  # within a trial the memory persists


def test_rl2__carry_counts_steps_within_the_trial() -> None:
    case = build("rl2_gru")
    carry, _ = case.apply(case.params, inputs(23, length=4), jnp.zeros((BATCH, 4), bool), case.fresh())
    np.testing.assert_array_equal(carry[1], jnp.full((BATCH,), 4 % 3))


def test_rl2__steps_per_trial_must_be_positive() -> None:
    with pytest.raises(ValueError, match="RL2Wrapper.steps_per_trial must be positive"):
        RL2Wrapper(RNN(cell=nn.GRUCell(features=FEATURES)), steps_per_trial=0)
