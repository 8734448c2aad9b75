"""C51 projection and HL-Gauss targets against hand-computed numbers."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from memorax.networks import heads


def test_categorical_projection__splits_mass_between_neighbouring_atoms():
    support = jnp.array([0.0, 1.0, 2.0])
    probs = jnp.array([[0.2, 0.5, 0.3]] * 3)
    rewards = jnp.array([0.5, 3.0, 1.0])
    discounts = jnp.array([0.5, 1.0, 0.0])  # ordinary, clipped above v_max, terminal
    projected = heads.categorical_projection(probs, rewards, discounts, support)
    # atoms land at 0.5, 1.0, 1.5 -> [0.1, 0.1 + 0.5 + 0.15, 0.15]
    np.testing.assert_allclose(projected, [[0.1, 0.75, 0.15], [0, 0, 1], [0, 1, 0]], atol=1e-6)


def test_c51__q_values_project_and_loss():
    head = heads.C51QNetwork(action_dim=2, num_atoms=3, v_min=0.0, v_max=2.0)
    x = jax.random.normal(jax.random.key(0), (2, 4, 5))
    logits = head.apply(jax.jit(head.init)(jax.random.key(1), x), x)
    assert logits.shape == (2, 4, 2, 3)
    probs = jax.nn.softmax(logits)
    np.testing.assert_allclose(head.q_values(logits), probs @ jnp.array([0.0, 1.0, 2.0]), rtol=1e-5)
    uniform = jnp.zeros((1, 1, 3))
    target = head.project(uniform, jnp.array([[0.5]]), jnp.array([[0.5]]))
    np.testing.assert_allclose(target, [[[1 / 6, 4 / 6, 1 / 6]]], atol=1e-6)
    logits = jnp.log(jnp.array([[[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]]]))
    loss = head.loss(logits, jnp.array([[1]]), jnp.array([[[0.0, 0.5, 0.5]]]))
    np.testing.assert_allclose(loss, [[-(0.5 * math.log(0.1) + 0.5 * math.log(0.8))]], rtol=1e-5)


def test_hl_gauss__targets_are_gaussian_mass_per_bin():
    edges = jnp.array([0.0, 1.0, 2.0, 3.0])
    sigma = 0.75
    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    cdf = [phi((e - 1.5) / sigma) for e in (0.0, 1.0, 2.0, 3.0)]
    expected = [(cdf[i + 1] - cdf[i]) / (cdf[3] - cdf[0]) for i in range(3)]
    np.testing.assert_allclose(expected, [0.2407, 0.5186, 0.2407], atol=1e-4)
    np.testing.assert_allclose(heads.hl_gauss_targets(jnp.array(1.5), edges, sigma), expected, rtol=1e-5)
    # targets outside the range are clipped to its edge
    clipped = heads.hl_gauss_targets(jnp.array(10.0), edges, sigma)
    np.testing.assert_allclose(clipped, heads.hl_gauss_targets(jnp.array(3.0), edges, sigma))


def test_hl_gauss_v_network__value_is_expectation_and_loss_is_cross_entropy():
    head = heads.HLGaussVNetwork(num_bins=3, v_min=0.0, v_max=3.0, sigma_ratio=0.75)
    x = jax.random.normal(jax.random.key(0), (2, 4, 5))
    logits = head.apply(jax.jit(head.init)(jax.random.key(1), x), x)
    assert logits.shape == (2, 4, 3) and head.value(logits).shape == (2, 4)
    np.testing.assert_allclose(head.value(jnp.zeros((1, 1, 3))), [[1.5]])
    target = heads.hl_gauss_targets(jnp.array(1.5), jnp.array([0.0, 1.0, 2.0, 3.0]), 0.75)
    loss = head.loss(jnp.zeros((1, 1, 3)), jnp.array([[1.5]]))
    np.testing.assert_allclose(loss, [[-jnp.sum(target * jnp.log(1 / 3))]], rtol=1e-6)
    # the loss is minimal when the prediction equals the smoothed target
    grad = jax.grad(lambda l: head.loss(l, jnp.array([[1.5]])).sum())(jnp.log(target)[None, None])
    np.testing.assert_allclose(grad, 0.0, atol=1e-6)
