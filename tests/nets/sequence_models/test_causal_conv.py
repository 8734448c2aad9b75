"""CausalConv1d: equals a per-episode reference convolution, whatever the chunking."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.networks import CausalConv1d

CONV = CausalConv1d(features=2, kernel_size=3)
LENGTH = 7
PARAMS = CONV.init(jax.random.key(0), jnp.zeros((1, 1, 2)), jnp.zeros((1, 1), bool), CONV.initialize_state((1,)))
APPLY = jax.jit(CONV.apply)


def reference(x: np.ndarray, done: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    y = np.zeros_like(x)
    start = 0
    for t in range(x.shape[0]):
        start = t if done[t] else start
        for lag in range(kernel.shape[0]):
            if t - lag >= start:
                y[t] += kernel[-1 - lag] * x[t - lag]
    return y + bias


@settings(max_examples=5, deadline=None)
@given(done=st.lists(st.booleans(), min_size=LENGTH, max_size=LENGTH), split=st.integers(1, LENGTH - 1))
def test_causal_conv__matches_reference_in_any_two_chunks(done: list[bool], split: int) -> None:
    x = jax.random.normal(jax.random.key(split), (1, LENGTH, 2))
    flags = jnp.asarray(done)[None]
    state, first = APPLY(PARAMS, x[:, :split], flags[:, :split], CONV.initialize_state((1,)))
    _, second = APPLY(PARAMS, x[:, split:], flags[:, split:], state)
    conv = PARAMS["params"]
    expected = reference(np.asarray(x[0]), np.asarray(done), np.asarray(conv["kernel"]), np.asarray(conv["bias"]))
    np.testing.assert_allclose(np.concatenate([first, second], axis=1)[0], expected, rtol=1e-5, atol=1e-6)
