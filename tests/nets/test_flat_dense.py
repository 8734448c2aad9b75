"""dense_on_rows: Dense layers inside a Network give the same numbers on flattened rows, with 2-D matmuls."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from memorax.networks import FeatureExtractor, Network, heads
from memorax.networks.layers.flat_dense import dense_on_rows


def test_dense_on_rows__same_outputs_and_gradients_for_any_leading_axes():
    dense = nn.Dense(5)
    x = jax.random.normal(jax.random.key(0), (3, 4, 2, 6))
    params = dense.init(jax.random.key(1), x)
    loss = lambda p: jnp.sum(jnp.sin(dense.apply(p, x)))
    with dense_on_rows():
        flat_out, flat_grad = dense.apply(params, x), jax.grad(loss)(params)
    np.testing.assert_allclose(flat_out, dense.apply(params, x), rtol=1e-6, atol=1e-6)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), flat_grad, jax.grad(loss)(params))
    assert flat_out.shape == (3, 4, 2, 5)


def _dot_operand_ranks(fn, *args):
    jaxpr = jax.make_jaxpr(fn)(*args)
    return [eqn.invars[0].aval.ndim for eqn in jaxpr.eqns if eqn.primitive.name == "dot_general"]


def test_network__its_dense_layers_and_their_gradients_use_two_dimensional_matmuls():
    """XLA:CPU transposes a (B, T, out) cotangent for a 3-D Dense's weight gradient; rows avoid it."""
    network = Network(
        feature_extractor=FeatureExtractor(observation_extractor=nn.Sequential((nn.Dense(8), nn.tanh))),
        head=heads.VNetwork(),
    )
    obs, done = jnp.ones((4, 3, 5)), jnp.zeros((4, 3), bool)
    action, reward = jnp.zeros((4, 3), jnp.int32), jnp.zeros((4, 3))
    params = network.init(jax.random.key(0), obs, done, action, reward)
    value = lambda p: jnp.sum(network.apply(p, obs, done, action, reward)[1])
    ranks = _dot_operand_ranks(jax.grad(value), params)
    assert ranks and all(rank == 2 for rank in ranks), ranks
    plain = lambda p, x: jnp.sum(nn.Dense(8).apply(p, x))
    assert _dot_operand_ranks(jax.grad(plain), nn.Dense(8).init(jax.random.key(0), obs), obs)[0] == 3
