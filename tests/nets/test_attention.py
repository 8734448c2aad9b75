"""SelfAttention: same context stepwise / chunked / whole, episode masking, positions."""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import (
    ALiBi,
    LearnablePositionalEmbedding,
    PositionalEmbedding,
    RoPE,
    SelfAttention,
    SelfAttentionConfig,
)
from memorax.networks.attention import banded

B, T, F, HEADS, C = 2, 12, 8, 2, 4
EMBEDDINGS = {
    "none": None,
    "rope": RoPE(),
    "alibi": ALiBi(num_heads=HEADS),
    "learnable": LearnablePositionalEmbedding(num_embeddings=5, features=F),
}


class Model:
    def __init__(self, embedding: nn.Module | None) -> None:
        self.module = SelfAttention(config=SelfAttentionConfig(F, HEADS, C, embedding))
        x, done = _inputs(0, jnp.zeros((B, T), bool))
        self.params = jax.jit(self.module.init)(jax.random.key(1), x, done)
        self.apply = jax.jit(self.module.apply)
        self.fresh = self.module.initialize_carry(jax.random.key(0), (B, F))


@functools.cache
def _model(name: str) -> Model:
    return Model(EMBEDDINGS[name])


@pytest.fixture(scope="module", params=list(EMBEDDINGS))
def model(request: pytest.FixtureRequest) -> Model:
    return _model(request.param)


def _inputs(seed: int, done: jax.Array) -> tuple[jax.Array, jax.Array]:
    return jax.random.normal(jax.random.key(seed), (B, T, F)), done


# Chunkings of T = 12 from lengths 1, C and C + 2 (few distinct shapes: few compiles).
chunkings = st.sampled_from([[C + 2, C + 2], [1, C + 2, 1, C], [C, 1, 1, C + 2], [C + 2, 1, C, 1]])


done_flags = st.lists(st.booleans(), min_size=B * T, max_size=B * T).map(
    lambda flags: jnp.asarray(flags).reshape(B, T)
)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 1000), done=done_flags, sizes=chunkings)
def test_self_attention__chunked_equals_whole_with_resets(model, run_chunks, assert_trees_close, seed, done, sizes):
    x, done = _inputs(seed, done)
    expected_carry, expected = model.apply(model.params, x, done, model.fresh)
    carry, y = run_chunks(model.apply, model.params, x, done, sizes, model.fresh)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_self_attention__step_by_step_and_context_length_chunks_equal_whole(model, run_chunks, assert_trees_close):
    x, done = _inputs(3, jax.random.bernoulli(jax.random.key(4), 0.1, (B, T)))
    expected_carry, expected = model.apply(model.params, x, done, model.fresh)
    for sizes in ([1] * T, [C] * (T // C)):
        carry, y = run_chunks(model.apply, model.params, x, done, sizes, model.fresh)
        assert_trees_close(y, expected)
        assert_trees_close(carry, expected_carry)


def test_self_attention__reset_cuts_off_the_past(model):
    x, _ = _inputs(5, None)
    done = jnp.zeros((B, T), bool).at[:, 7].set(True)
    _, y = model.apply(model.params, x, done, model.fresh)
    suffix_done = jnp.zeros((B, T - 7), bool).at[:, 0].set(True)
    _, y_fresh = model.apply(model.params, x[:, 7:], suffix_done, model.fresh)
    np.testing.assert_allclose(y[:, 7:], y_fresh, rtol=1e-5, atol=1e-6)


def test_self_attention__matches_reference_window_attention():
    """No positional embedding: each step averages the values of its last C in-episode steps."""
    model = _model("none")
    x, _ = _inputs(6, None)
    done = jnp.zeros((B, T), bool).at[0, 5].set(True)
    _, y = model.apply(model.params, x, done, model.fresh)
    p = jax.tree.map(np.asarray, model.params["params"])
    q, k, v = (np.einsum("btf,fhd->bthd", x, p[n]["kernel"]) + p[n]["bias"] for n in ("query", "key", "value"))
    episode = np.cumsum(np.asarray(done), axis=1)
    expected = np.zeros((B, T, HEADS, F // HEADS))
    for b in range(B):
        for t in range(T):
            keys = [j for j in range(max(0, t - C + 1), t + 1) if episode[b, j] == episode[b, t]]
            logits = np.einsum("hd,jhd->hj", q[b, t], k[b, keys]) / np.sqrt(F // HEADS)
            weights = np.exp(logits - logits.max(-1, keepdims=True))
            weights /= weights.sum(-1, keepdims=True)
            expected[b, t] = np.einsum("hj,jhd->hd", weights, v[b, keys])
    out = np.einsum("bthd,hdf->btf", expected, p["out"]["kernel"]) + p["out"]["bias"]
    np.testing.assert_allclose(y, out, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("chunk_logits", [None, 1])  # the whole batch at once / one row a chunk
@pytest.mark.parametrize("embedding", [PositionalEmbedding(), ALiBi(num_heads=HEADS)], ids=["none", "alibi"])
def test_banded_attention__matches_dense_softmax_with_gradients(monkeypatch, chunk_logits, embedding):
    """Three blocks of queries (one padded), chunked over the batch or not: outputs and
    gradients are those of a dense softmax over each query's window of its episode."""
    if chunk_logits is not None:
        monkeypatch.setattr(banded, "_CHUNK_LOGITS", chunk_logits)
    length, past, dim, window = 70, 45, 4, 40  # blocks of 32 queries
    keys = jax.random.split(jax.random.key(0), 5)
    q = jax.random.normal(keys[0], (B, length, HEADS, dim))
    k, v = jax.random.normal(keys[1], (2, B, past + length, HEADS, dim))
    d_out = jax.random.normal(keys[2], q.shape)
    query_episode = jnp.cumsum(jax.random.bernoulli(keys[3], 0.05, (B, length)), axis=1)
    past_valid = jnp.arange(past) >= jax.random.randint(keys[4], (B, 1), 0, past)
    key_episode = jnp.concatenate([jnp.where(past_valid, 0, -1), query_episode], axis=1)
    key_positions = jnp.broadcast_to(jnp.arange(past + length), (B, past + length))
    query_positions = key_positions[:, past:]
    step, key = past + jnp.arange(length)[:, None], jnp.arange(past + length)[None, :]
    visible = (key <= step) & (key > step - window) & (query_episode[:, :, None] == key_episode[:, None, :])
    bias = embedding.bias(query_positions, key_positions)

    def reference(q, k, v):
        scores = jnp.einsum("bthd,bshd->bhts", q, k) / np.sqrt(dim) + (0.0 if bias is None else bias)
        weights = jax.nn.softmax(jnp.where(visible[:, None], scores, -jnp.inf), axis=-1)
        return jnp.einsum("bhts,bshd->bthd", weights, v)

    def attention(q, k, v):
        return banded.banded_attention(
            q, k, v, query_episode, key_episode, query_positions, key_positions, window, embedding
        )

    results = []
    for fn in (attention, reference):
        y, vjp = jax.vjp(fn, q, k, v)
        results.append((y, vjp(d_out)))
    (y, grads), (y_ref, grads_ref) = results
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
    for g, g_ref in zip(grads, grads_ref, strict=True):
        np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-5)


@settings(max_examples=5, deadline=None)
@given(i=st.integers(0, 50), j=st.integers(0, 50), shift=st.integers(1, 100))
def test_rope__scores_depend_only_on_relative_position(i, j, shift):
    q, k = jax.random.normal(jax.random.key(0), (2, 1, 1, 1, 8))
    rope = RoPE()

    def score(a, b):
        return jnp.sum(rope.rotate(q, jnp.array([[a]])) * rope.rotate(k, jnp.array([[b]])))

    np.testing.assert_allclose(score(i, j), score(i + shift, j + shift), rtol=1e-4, atol=1e-4)


def test_alibi__penalises_distance_linearly_per_head():
    bias = ALiBi(num_heads=4).bias(jnp.array([[3]]), jnp.array([[0, 1, 2, 3]]))
    slopes = jnp.array([2.0**-2, 2.0**-4, 2.0**-6, 2.0**-8])
    np.testing.assert_allclose(bias[0, :, 0], -slopes[:, None] * jnp.array([3.0, 2.0, 1.0, 0.0]))


def test_learnable_positional_embedding__positions_restart_at_done_and_saturate():
    model = _model("learnable")
    x, _ = _inputs(7, None)
    done = jnp.zeros((B, T), bool).at[:, 0].set(True).at[:, 9].set(True)
    carry, _ = model.apply(model.params, x, done, model.fresh)
    np.testing.assert_array_equal(carry.position, [T - 1 - 9] * B)
    carry, _ = model.apply(model.params, x, jnp.zeros((B, T), bool), carry)
    np.testing.assert_array_equal(carry.position, [T - 1 - 9 + T] * B)  # beyond the table: clipped


def test_self_attention_config__validates_fields():
    with pytest.raises(ValueError, match="num_heads"):
        SelfAttentionConfig(features=10, num_heads=4, context_length=8)
    with pytest.raises(ValueError, match="ALiBi"):
        SelfAttentionConfig(features=8, num_heads=2, context_length=8, positional_embedding=ALiBi(num_heads=4))
    with pytest.raises(ValueError, match="even head dimension"):
        SelfAttentionConfig(features=6, num_heads=2, context_length=8, positional_embedding=RoPE())
    with pytest.raises(ValueError, match="context_length"):
        SelfAttentionConfig(features=8, num_heads=2, context_length=0)
