"""Memoroid: sequential and associative evaluation agree; mode selection and validation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sequence_model_cases import BATCH, LENGTH, MEMOROID_CELLS, build, inputs

from memorax.networks import LRUCell, LRUConfig, Memoroid
from memorax.networks.sequence_models.scan import associative_scan, sequential_scan


@pytest.fixture(scope="module", params=list(MEMOROID_CELLS))
def both_modes(request: pytest.FixtureRequest) -> tuple:
    case = build(request.param)
    sequential = case.model.clone(mode="sequential")
    return case, jax.jit(sequential.apply)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**16), reset_rate=st.sampled_from([0.0, 0.2, 0.5]))
def test_memoroid__sequential_equals_associative(both_modes: tuple, seed: int, reset_rate: float) -> None:
    case, sequential_apply = both_modes
    x = inputs(seed)
    done = jax.random.bernoulli(jax.random.key(seed), reset_rate, (BATCH, LENGTH))
    carry_a, y_a = case.apply(case.params, x, done, case.fresh())
    carry_s, y_s = sequential_apply(case.params, x, done, case.fresh())
    np.testing.assert_allclose(y_s, y_a, rtol=1e-4, atol=1e-5)
    for a, s in zip(jax.tree.leaves(carry_a), jax.tree.leaves(carry_s)):
        np.testing.assert_allclose(s, a, rtol=1e-4, atol=1e-5)


def test_memoroid__auto_mode_is_sequential_for_short_sequences_and_on_cpu() -> None:
    model = Memoroid(cell=LRUCell(config=LRUConfig(features=4)), sequential_max_length=8)
    assert model.scan_for(1) is sequential_scan and model.scan_for(8) is sequential_scan
    long_scan = sequential_scan if jax.default_backend() == "cpu" else associative_scan
    assert model.scan_for(9) is long_scan
    assert Memoroid(cell=model.cell, mode="associative").scan_for(1) is associative_scan


def test_memoroid__unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="Memoroid.mode must be one of"):
        Memoroid(cell=LRUCell(config=LRUConfig(features=4)), mode="parallel")


def test_memoroid__rejects_inputs_without_time_axis() -> None:
    model = Memoroid(cell=LRUCell(config=LRUConfig(features=4, hidden_dim=2)))
    with pytest.raises(ValueError, match="add a time axis"):
        model.init(jax.random.key(0), jnp.zeros((2, 3)), jnp.zeros((2,), bool))
