"""Continuous Q heads, Alpha, GVF and Horde."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Timestep, Transition
from memorax.networks import FeatureExtractor, Network, heads

B, T, F = 2, 3, 5


def test_twin_continuous_q_network__takes_current_action_kwarg_through_network():
    observation = jnp.ones((B, T, 4))
    done, reward = jnp.zeros((B, T), bool), jnp.zeros((B, T))
    previous_action = jnp.zeros((B, T, 2))
    critic = Network(FeatureExtractor(observation_extractor=nn.Dense(8)), head=heads.TwinContinuousQNetwork())
    action = jax.random.normal(jax.random.key(0), (B, T, 2))
    params = jax.jit(critic.init)(jax.random.key(1), observation, done, previous_action, reward, current_action=action)
    _, (q1, q2) = jax.jit(critic.apply)(params, observation, done, previous_action, reward, current_action=action)
    assert q1.shape == q2.shape == (B, T) and not jnp.allclose(q1, q2)
    _, (q1_other, _) = jax.jit(critic.apply)(params, observation, done, previous_action, reward, current_action=-action)
    assert not jnp.allclose(q1, q1_other)
    with pytest.raises(ValueError, match="current_action"):
        jax.jit(critic.apply)(params, observation, done, previous_action, reward)


def test_alpha__log_temperature_and_loss():
    alpha = heads.Alpha(initial_alpha=0.5)
    log_alpha = alpha.apply(jax.jit(alpha.init)(jax.random.key(0)))
    np.testing.assert_allclose(log_alpha, math.log(0.5), rtol=1e-6)
    np.testing.assert_allclose(alpha.loss(log_alpha, jnp.array(-1.0), -2.0), 3 * math.log(0.5), rtol=1e-6)


def _transition(reward, terminated):
    zeros = jnp.zeros_like(reward)
    return Transition(
        timestep=Timestep(observation=zeros, action=zeros, reward=zeros, done=zeros.astype(bool)),
        action=zeros,
        reward=reward,
        terminated=terminated,
        truncated=jnp.zeros_like(terminated),
    )


def test_gvf__td_targets_use_own_discount_and_stop_at_termination():
    demon = heads.GVF(cumulant=lambda tr: 2.0 * tr.reward, discount=0.5)
    transition = _transition(jnp.array([[1.0, 1.0]]), jnp.array([[False, True]]))
    targets = demon.td_targets(transition, jnp.array([[4.0, 4.0]]))
    np.testing.assert_allclose(targets, [[2.0 + 0.5 * 4.0, 2.0]])


def test_horde__main_head_and_demons_with_their_losses():
    horde = heads.Horde(
        head=heads.HLGaussVNetwork(num_bins=11),
        demons={"reward": heads.GVF(cumulant=lambda tr: tr.reward, discount=0.0)},
    )
    x = jax.random.normal(jax.random.key(0), (1, 2, F))
    params = jax.jit(horde.init)(jax.random.key(1), x)
    output = jax.jit(horde.apply)(params, x)
    main, demons = output
    assert main.shape == (1, 2, 11) and demons["reward"].shape == (1, 2)
    assert horde.value(output).shape == (1, 2)
    transition = _transition(jnp.array([[1.0, 3.0]]), jnp.array([[False, False]]))
    losses = horde.demon_losses(output, output, transition)
    np.testing.assert_allclose(losses["reward"], 0.5 * (demons["reward"] - transition.reward) ** 2, rtol=1e-6)
