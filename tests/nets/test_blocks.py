"""Blocks: carries, SegmentRecurrence chunk invariance and window, MoE routing and aux loss."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import (
    FFN,
    GLU,
    MoE,
    PostNorm,
    PreNorm,
    Projection,
    Residual,
    SegmentRecurrence,
    SelfAttention,
    SelfAttentionConfig,
    Stack,
    TopKRouter,
)

B, T, F = 2, 10, 8


def _x(seed: int, length: int = T) -> jax.Array:
    return jax.random.normal(jax.random.key(seed), (B, length, F))


def _segment_stack(context_length: int, memory_length: int) -> Stack:
    attention = SelfAttention(config=SelfAttentionConfig(F, 2, context_length))
    layer = Residual(PreNorm(SegmentRecurrence(attention, memory_length=memory_length, features=F)))
    return Stack(blocks=(layer, Residual(PreNorm(FFN(features=F)))) * 2)


@pytest.fixture(scope="module")
def segment_stack():
    stack = _segment_stack(context_length=6, memory_length=3)
    params = jax.jit(stack.init)(jax.random.key(0), _x(0), jnp.zeros((B, T), bool))
    return stack, params, jax.jit(stack.apply), stack.initialize_carry(jax.random.key(0), (B, F))


@settings(max_examples=3, deadline=None)
@given(
    seed=st.integers(0, 1000),
    flags=st.lists(st.booleans(), min_size=B * T, max_size=B * T),
    sizes=st.sampled_from([[1] * T, [1, 4, 1, 4], [4, 6], [6, 4]]),
)
def test_segment_recurrence__stack_chunked_equals_whole(segment_stack, run_chunks, assert_trees_close, seed, flags, sizes):
    _, params, apply, fresh = segment_stack
    x, done = _x(seed), jnp.asarray(flags).reshape(B, T)
    expected_carry, expected = apply(params, x, done, fresh)
    carry, y = run_chunks(apply, params, x, done, sizes, fresh)
    assert_trees_close(y, expected)
    assert_trees_close(carry, expected_carry)


def test_segment_recurrence__attends_to_memory_length_previous_steps():
    """With memory M < context - 1 a step sees exactly itself and M steps back."""
    layer = SegmentRecurrence(SelfAttention(config=SelfAttentionConfig(F, 2, 8)), memory_length=3, features=F)
    x, done = _x(1), jnp.zeros((B, T), bool)
    params = layer.init(jax.random.key(0), x, done)

    def last_output(x):
        return layer.apply(params, x, done)[1][:, -1]

    moved = lambda step: x.at[:, step].add(1.0)  # noqa: E731
    assert not jnp.allclose(last_output(moved(T - 4)), last_output(x))
    np.testing.assert_allclose(last_output(moved(T - 5)), last_output(x), atol=1e-6)


def test_segment_recurrence__memory_holds_stop_gradient_inputs():
    layer = SegmentRecurrence(SelfAttention(config=SelfAttentionConfig(F, 2, 4)), memory_length=3, features=F)
    x, done = _x(2), jnp.zeros((B, T), bool)
    params = layer.init(jax.random.key(0), x, done)
    carry, _ = layer.apply(params, x, done)
    np.testing.assert_array_equal(carry.memory, x[:, -3:])
    assert carry.valid.all()
    grad = jax.grad(lambda x: layer.apply(params, x, done)[0].memory.sum())(x)
    np.testing.assert_array_equal(grad, 0.0)
    with pytest.raises(ValueError, match="features"):
        layer.init(jax.random.key(0), jnp.ones((B, T, F + 1)), done)
    with pytest.raises(ValueError, match="sequence model"):
        SegmentRecurrence(nn.Dense(F), memory_length=3, features=F)


def test_stack__repeated_blocks_are_distinct_layers_with_per_block_carries():
    ffn = Residual(FFN(features=F))
    attention = Residual(SelfAttention(config=SelfAttentionConfig(F, 2, 4)))
    stack = Stack(blocks=(attention, ffn) * 2)
    x, done = _x(3), jnp.zeros((B, T), bool)
    params = stack.init(jax.random.key(0), x, done)["params"]
    assert sorted(params) == ["layers_0", "layers_1", "layers_2", "layers_3"]
    assert not jnp.allclose(
        params["layers_1"]["module"]["Dense_0"]["kernel"], params["layers_3"]["module"]["Dense_0"]["kernel"]
    )
    carry = stack.initialize_carry(jax.random.key(0), (B, F))
    assert len(carry) == 4 and carry[1] is None and carry[3] is None
    assert carry[0].key.shape == (B, 3, 2, F // 2)


def test_stateless_blocks__shapes_and_norms():
    x, done = _x(4), jnp.zeros((B, T), bool)
    for block, features in ((FFN(features=5), 5), (GLU(features=5, expansion_factor=4 / 3), 5), (Projection(features=3), 3)):
        params = block.init(jax.random.key(0), x, done)
        carry, y = block.apply(params, x, done)
        assert carry is None and y.shape == (B, T, features) and block.initialize_carry(None, (B, F)) is None
    post = PostNorm(Residual(Projection(features=F)))
    _, y = post.apply(post.init(jax.random.key(0), x, done), x, done)
    np.testing.assert_allclose(y.mean(-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(-1), 1.0, atol=1e-2)


def test_moe__routes_each_step_to_k_experts_and_sows_load_balancing_loss():
    experts = [Projection(features=F) for _ in range(4)]
    moe = MoE(experts=experts, router=TopKRouter(num_experts=4, k=2, load_balancing_coefficient=0.5))
    x, done = _x(5), jnp.zeros((B, T), bool)
    params = moe.init(jax.random.key(0), x, done)
    assert set(params) == {"params"}  # init leaves no stale losses behind
    (_, y), state = moe.apply(params, x, done, mutable=["aux_losses"])

    router = TopKRouter(num_experts=4, k=2)
    gates = router.apply({"params": params["params"]["router"]}, x)
    assert jnp.all(jnp.sum(gates > 0, axis=-1) == 2)
    np.testing.assert_allclose(gates.sum(-1), 1.0, rtol=1e-6)
    expert_outputs = jnp.stack([
        Projection(features=F).apply({"params": params["params"][f"expert_{e}"]}, x, done)[1] for e in range(4)
    ])
    np.testing.assert_allclose(y, jnp.einsum("bte,ebtf->btf", gates, expert_outputs), rtol=1e-5, atol=1e-6)

    (loss,) = state["aux_losses"]["router"]["load_balancing"]
    probs = jax.nn.softmax(x @ params["params"]["router"]["logits"]["kernel"])
    fraction = (gates > 0).reshape(-1, 4).mean(0) / 2
    np.testing.assert_allclose(loss, 0.5 * 4 * jnp.sum(fraction * probs.reshape(-1, 4).mean(0)), rtol=1e-5)
    grad = jax.grad(lambda p: sum(jax.tree.leaves(moe.apply(p, x, done, mutable=["aux_losses"])[1])))(params)
    assert jnp.any(grad["params"]["router"]["logits"]["kernel"] != 0)


def test_moe__validates_router_size():
    with pytest.raises(ValueError, match="num_experts"):
        MoE(experts=[Projection(features=F)] * 3, router=TopKRouter(num_experts=4))
    with pytest.raises(ValueError, match="k must be"):
        TopKRouter(num_experts=2, k=3)
