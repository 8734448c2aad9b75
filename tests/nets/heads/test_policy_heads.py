"""Policy heads return distrax distributions over the (B, T) batch."""

import jax
import jax.numpy as jnp
import numpy as np

from memorax.networks import heads

B, T, F = 2, 3, 5


def test_categorical__distribution_over_batch_and_time():
    x = jax.random.normal(jax.random.key(0), (B, T, F))
    head = heads.Categorical(action_dim=4)
    params = jax.jit(head.init)(jax.random.key(1), x)
    dist = jax.jit(head.apply)(params, x)
    assert dist.batch_shape == (B, T)
    action = dist.sample(seed=jax.random.key(2))
    assert action.shape == (B, T)
    np.testing.assert_allclose(dist.probs.sum(-1), 1.0, atol=1e-6)


def test_gaussian__state_independent_std_from_initial_log_std():
    x = jax.random.normal(jax.random.key(0), (B, T, F))
    head = heads.Gaussian(action_dim=2, initial_log_std=-1.0)
    params = jax.jit(head.init)(jax.random.key(1), x)
    dist = jax.jit(head.apply)(params, x)
    assert dist.batch_shape == (B, T) and dist.event_shape == (2,)
    np.testing.assert_allclose(dist.stddev(), jnp.exp(-1.0), rtol=1e-6)
    action = dist.sample(seed=jax.random.key(2))
    expected = jax.scipy.stats.norm.logpdf(action, dist.mean(), jnp.exp(-1.0)).sum(-1)
    np.testing.assert_allclose(dist.log_prob(action), expected, rtol=1e-5)


def test_squashed_gaussian__log_prob_includes_tanh_jacobian():
    x = jax.random.normal(jax.random.key(0), (B, T, F))
    head = heads.SquashedGaussian(action_dim=2)
    params = jax.jit(head.init)(jax.random.key(1), x)
    dist = jax.jit(head.apply)(params, x)
    action, log_prob = dist.sample_and_log_prob(seed=jax.random.key(2))
    assert action.shape == (B, T, 2) and log_prob.shape == (B, T)
    assert jnp.all(jnp.abs(action) < 1)
    normal = dist.distribution.distribution
    u = jnp.arctanh(action)
    expected = jnp.sum(normal.log_prob(u) - jnp.log(1 - action**2), -1)
    np.testing.assert_allclose(log_prob, expected, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(head.mode(dist), jnp.tanh(normal.mean()))
    returned = jax.jit(lambda x: head.apply(params, x))(x)  # survives a jit boundary
    assert returned.log_prob(action).shape == (B, T)
