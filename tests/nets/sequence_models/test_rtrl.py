"""RTRL: online (step-by-step) gradients equal full BPTT; unsupported models are refused."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sequence_model_cases import BATCH, FEATURES, LENGTH, build, inputs

from memorax.networks import RNN, RTRL, LRUCell, LRUConfig, Memoroid, MinGRUCell, MinGRUConfig, RTUCell


@pytest.mark.parametrize("name", ["rtrl_rtu", "rtrl_lru"])
def test_rtrl__online_gradients_equal_bptt(name: str) -> None:
    """Sum over steps of per-step gradients (carry passed as data) == BPTT over the sequence."""
    case = build(name)
    x = inputs(11)
    done = jnp.zeros((BATCH, LENGTH), bool).at[0, LENGTH // 2].set(True)
    weights = jax.random.normal(jax.random.key(12), (BATCH, LENGTH, 5))
    inner = case.model.sequence_model
    if isinstance(inner, Memoroid):
        inner = inner.clone(mode="sequential")  # same function, cheaper to compile

    def bptt_loss(params: dict) -> jax.Array:
        _, y = inner.apply({"params": params["params"]["sequence_model"]}, x, done)
        return jnp.sum(y * weights)

    expected = jax.grad(bptt_loss)(case.params)

    @jax.jit
    def step_grad(params: dict, carry: object, t: jax.Array) -> tuple:
        def loss(p: dict) -> tuple:
            x_t, done_t = jax.lax.dynamic_slice_in_dim(x, t, 1, 1), jax.lax.dynamic_slice_in_dim(done, t, 1, 1)
            carry_next, y = case.model.apply(p, x_t, done_t, carry)
            return jnp.sum(y * jax.lax.dynamic_slice_in_dim(weights, t, 1, 1)), carry_next

        return jax.grad(loss, has_aux=True)(params)

    carry, total = case.fresh(), jax.tree.map(jnp.zeros_like, case.params)
    for t in range(LENGTH):
        grads, carry = step_grad(case.params, carry, jnp.asarray(t))
        total = jax.tree.map(jnp.add, total, grads)
    for got, want in zip(jax.tree.leaves(total), jax.tree.leaves(expected)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "model",
    [RNN(cell=nn.GRUCell(features=4)), Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=4))),
     RNN(cell=LRUCell(config=LRUConfig(features=4))), Memoroid(cell=RTUCell(features=4))],
    ids=["gru", "min_gru", "lru_in_rnn", "rtu_in_memoroid"],
)
def test_rtrl__unsupported_models_are_refused_with_the_supported_list(model: nn.Module) -> None:
    with pytest.raises(ValueError, match=r"RTRL supports only RNN\(cell=RTUCell\(\.\.\.\)\) and Memoroid\(cell=LRUCell"):
        RTRL(model)


def test_rtrl__input_width_must_match() -> None:
    model = RTRL(RNN(cell=RTUCell(features=4)))  # input_features defaults to features=4
    with pytest.raises(ValueError, match="set RTRL.input_features"):
        model.init(jax.random.key(0), jnp.zeros((BATCH, 1, FEATURES)), jnp.zeros((BATCH, 1), bool))
