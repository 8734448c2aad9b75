"""Minibatching keeps env rows whole with their rollout-start carries, or shuffles single steps."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.algorithms._minibatch import make_minibatches, random_permutation, shuffle_rows, shuffle_steps

N, T, M = 8, 5, 4


def _rows():
    data = jnp.arange(N)[:, None] * 100 + jnp.arange(T)[None, :]  # (N, T): row id * 100 + t
    carry = {"h": jnp.arange(N, dtype=jnp.float32)[:, None] * jnp.ones((N, 3))}  # (N, 3): row id
    return data, carry


def test_shuffle_rows__keeps_rows_whole_with_their_start_carry():
    data, carry = _rows()
    mb_data, mb_carry = shuffle_rows(jax.random.key(0), (data, carry), M)
    assert mb_data.shape == (M, N // M, T) and mb_carry["h"].shape == (M, N // M, 3)
    row_ids = mb_data[..., 0] // 100
    np.testing.assert_array_equal(mb_data, row_ids[..., None] * 100 + jnp.arange(T))
    np.testing.assert_array_equal(mb_carry["h"][..., 0], row_ids)
    assert sorted(np.asarray(row_ids).ravel().tolist()) == list(range(N))


def test_shuffle_rows__permutes_differently_per_key():
    data, _ = _rows()
    first = shuffle_rows(jax.random.key(0), data, M)
    second = shuffle_rows(jax.random.key(1), data, M)
    assert not np.array_equal(first, second)


def test_shuffle_steps__spreads_every_step_once_as_length_one_sequences():
    data, _ = _rows()
    minibatches = shuffle_steps(jax.random.key(0), data, M)
    assert minibatches.shape == (M, N * T // M, 1)
    assert sorted(np.asarray(minibatches).ravel().tolist()) == sorted(np.asarray(data).ravel().tolist())


def test_make_minibatches__rows_for_sequences_steps_otherwise():
    data, _ = _rows()
    assert make_minibatches(jax.random.key(0), data, M, keep_sequences=True).shape == (M, N // M, T)
    assert make_minibatches(jax.random.key(0), data, M, keep_sequences=False).shape == (M, N * T // M, 1)


def test_shuffle_rows__refuses_unequal_minibatches():
    with pytest.raises(ValueError, match="3 equal minibatches"):
        shuffle_rows(jax.random.key(0), jnp.zeros((8, 2)), 3)


@pytest.mark.parametrize("n", [1, 2, 7, 64, 8192, 2**18])
def test_random_permutation__is_a_permutation(n):
    permutation = np.asarray(random_permutation(jax.random.key(n), n))
    assert permutation.dtype == np.int32
    np.testing.assert_array_equal(np.sort(permutation), np.arange(n))


def test_random_permutation__every_order_of_four_is_equally_likely():
    keys = jax.random.split(jax.random.key(0), 24_000)
    orders = np.asarray(jax.vmap(lambda key: random_permutation(key, 4))(keys))
    _, counts = np.unique(orders, axis=0, return_counts=True)
    assert len(counts) == 24
    # chi-square with 23 degrees of freedom: 0.999 quantile is 49.7
    expected = len(keys) / 24
    assert np.sum((counts - expected) ** 2 / expected) < 49.7


def test_random_permutation__spreads_neighbouring_indices_of_a_rollout():
    """With 8192 steps (2 rounds of 19 random bits) index 0 lands anywhere, and neighbours apart."""
    keys = jax.random.split(jax.random.key(1), 400)
    positions = np.asarray(jax.vmap(lambda key: jnp.argsort(random_permutation(key, 8192))[:2])(keys))
    assert abs(positions[:, 0].mean() / 8191 - 0.5) < 0.05
    assert np.mean(positions[:, 1] > positions[:, 0]) == pytest.approx(0.5, abs=0.1)
