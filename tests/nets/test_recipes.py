"""GTrXL, GPT-2 and xLSTM recipes: whole == step by step == random chunks, with resets."""

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import gpt2, gtrxl, xlstm

B, T, F, C = 2, 9, 8, 3
RECIPES = {
    "gtrxl": lambda: gtrxl(features=F, num_heads=2, num_layers=2, context_length=C, memory_length=2),
    "gpt2": lambda: gpt2(features=F, num_heads=2, num_layers=2, context_length=C, max_episode_length=6),
    "xlstm": lambda: xlstm(features=F, pattern="ms", num_heads=2),
}


@pytest.fixture(scope="module", params=list(RECIPES))
def recipe(request: pytest.FixtureRequest):
    torso = RECIPES[request.param]()
    x = jnp.zeros((B, T, F))
    params = jax.jit(torso.init)(jax.random.key(0), x, jnp.zeros((B, T), bool))
    return params, jax.jit(torso.apply), torso.initialize_carry(jax.random.key(1), (B, F))


@settings(max_examples=2, deadline=None)
@given(
    seed=st.integers(0, 1000),
    flags=st.lists(st.booleans(), min_size=B * T, max_size=B * T),
    sizes=st.sampled_from([[C] * 3, [1, C, C, 1, 1], [1, 1, C, 1, C]]),
)
def test_recipe__chunked_equals_whole_with_resets(recipe, run_chunks, assert_trees_close, seed, flags, sizes):
    params, apply, fresh = recipe
    x, done = jax.random.normal(jax.random.key(seed), (B, T, F)), jnp.asarray(flags).reshape(B, T)
    expected_carry, expected = apply(params, x, done, fresh)
    carry, y = run_chunks(apply, params, x, done, sizes, fresh)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_recipe__step_by_step_equals_whole(recipe, run_chunks, assert_trees_close):
    params, apply, fresh = recipe
    x = jax.random.normal(jax.random.key(2), (B, T, F))
    done = jnp.zeros((B, T), bool).at[:, 4].set(True)
    expected_carry, expected = apply(params, x, done, fresh)
    carry, y = run_chunks(apply, params, x, done, [1] * T, fresh)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_xlstm__rejects_unknown_block_letters():
    with pytest.raises(ValueError, match="pattern"):
        xlstm(features=F, pattern="mx")
