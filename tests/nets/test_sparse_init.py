"""sparse_uniform: the streaming-RL sparse initializer keeps a fixed share of each unit's inputs."""

import math

import jax
import numpy as np
import pytest

from memorax.networks.initializers import sparse_uniform


@pytest.mark.parametrize(("fan_in", "kept"), [(100, 10), (4, 1), (2, 1)])
def test_sparse_uniform__keeps_ten_percent_of_inputs_per_unit_and_at_least_one(fan_in, kept):
    weights = np.asarray(sparse_uniform(0.9)(jax.random.key(0), (fan_in, 32)))
    np.testing.assert_array_equal((weights != 0).sum(axis=0), kept)
    assert np.abs(weights).max() <= 1.0 / math.sqrt(fan_in)


def test_sparse_uniform__rejects_a_sparsity_outside_zero_one():
    with pytest.raises(ValueError, match="sparsity must lie in"):
        sparse_uniform(1.0)
