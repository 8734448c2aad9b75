"""GradientPPO: the gradient-TD(lambda) critic step by hand, chunks from stored carries, the API contract."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from memorax.algorithms import GradientPPO, GradientPPOConfig
from memorax.algorithms._correction import correction_norm
from memorax.algorithms._network import apply_sequence
from memorax.algorithms.gradient_ppo import _Chunks
from memorax.core.timestep import Timestep
from memorax.networks import FeatureExtractor, Network

N, T, L = 2, 4, 2
GAMMA, LAMBDA, BETA = 0.9, 0.5, 0.5


class Linear(nn.Module):
    @nn.compact
    def __call__(self, x):
        return x


def _host(tree):
    return jax.tree.map(np.asarray, tree)


def _config(**fields):
    return GradientPPOConfig(num_envs=N, num_steps=T, num_minibatches=2, update_epochs=1, truncation_length=L,
                             gamma=GAMMA, gae_lambda=LAMBDA, regularization_coefficient=BETA, **fields)


@pytest.fixture(scope="module")
def agent(probes):
    make, heads = probes["make_network"], probes["heads"]
    return GradientPPO(_config(), probes["RememberBit"](), None, make(heads.Categorical(action_dim=2), recurrent=True),
                       make(heads.VNetwork(), recurrent=True), optax.adam(1e-2), optax.adam(1e-2))


def test_gradient_ppo__critic_gradient_is_the_tdc_lambda_direction(probes):
    """Linear V and h on a 3-step chunk without episode ends: minus the loss gradient is
    d_t x_t - h_t gamma (1 - lambda) sum_k (gamma lambda)^k x_{t+k+1} (the chunk end's bootstrap held fixed),
    and for h, (d_t - h_t) x_t - beta theta_h, averaged over steps."""
    heads = probes["heads"]
    linear = lambda head: Network(FeatureExtractor(observation_extractor=Linear()), head=head)
    config = GradientPPOConfig(num_envs=1, num_steps=3, num_minibatches=1, update_epochs=1, truncation_length=3,
                               gamma=GAMMA, gae_lambda=LAMBDA, regularization_coefficient=BETA, value_coefficient=1.0)
    agent = GradientPPO(config, probes["RememberBit"](), None, linear(heads.Categorical(action_dim=2)),
                        linear(heads.VNetwork(kernel_init=nn.initializers.normal(1.0))), optax.sgd(1.0), optax.sgd(1.0))
    params = agent.init(jax.random.key(0)).critic_params
    correction = {"Dense_0": {"kernel": jnp.array([[0.3], [-0.2]]), "bias": jnp.array([0.1])}}
    params = {"params": {**params["params"], "head": {**params["params"]["head"], "correction": correction}}}
    x = np.array([[0.5, 1.0], [-1.0, 0.0], [2.0, 0.5]])
    reward, last = np.array([1.0, 0.0, -0.5]), 0.7
    values = lambda p: x @ p["head"]["Dense_0"]["kernel"][:, 0] + p["head"]["Dense_0"]["bias"][0]

    chunk = _Chunks(
        timestep=None, critic_timestep=Timestep(jnp.asarray(x)[None], jnp.zeros((1, 3), jnp.int32), jnp.zeros((1, 3)),
                                                jnp.zeros((1, 3), bool)),
        action=None, log_prob=None, advantage=None, reward=jnp.asarray(reward)[None],
        discount=jnp.full((1, 3), GAMMA), trace=jnp.full((1, 3), LAMBDA), truncated=jnp.zeros((1, 3), bool),
        truncation_value=jnp.zeros((1, 3)), next_value=jnp.asarray([[0.0, 0.0, last]]), actor_carry=None, critic_carry=None,
    )

    def loss(p):
        _, output = apply_sequence(agent.critic, p, chunk.critic_timestep, None)
        value, _ = agent._gradient_td_loss(output, chunk)
        return value + 0.5 * BETA * correction_norm(p)

    grads = _host(jax.grad(loss)(params))["params"]["head"]
    p = _host(params)["params"]["head"]
    v = values(p)
    h = x @ p["correction"]["Dense_0"]["kernel"][:, 0] + p["correction"]["Dense_0"]["bias"][0]
    following = np.append(v[1:], last)
    td = reward + GAMMA * following - v
    d = np.array([sum((GAMMA * LAMBDA) ** k * td[t + k] for k in range(3 - t)) for t in range(3)])
    features = np.concatenate([x, np.ones((3, 1))], axis=1)  # grad V(o_t) = (x_t, 1)
    expected = np.zeros(3)
    for t in range(3):
        later = sum((GAMMA * LAMBDA) ** k * features[t + k + 1] for k in range(2 - t)) if t < 2 else np.zeros(3)
        expected = expected + d[t] * features[t] - h[t] * GAMMA * (1 - LAMBDA) * later
    expected = expected / 3
    got = -np.concatenate([grads["head"]["Dense_0"]["kernel"][:, 0], grads["head"]["Dense_0"]["bias"]])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    theta_h = np.concatenate([p["correction"]["Dense_0"]["kernel"][:, 0], p["correction"]["Dense_0"]["bias"]])
    expected_h = np.mean((d - h)[:, None] * features, axis=0) - BETA * theta_h
    got_h = -np.concatenate([grads["correction"]["Dense_0"]["kernel"][:, 0], grads["correction"]["Dense_0"]["bias"]])
    np.testing.assert_allclose(got_h, expected_h, rtol=1e-5, atol=1e-6)


def test_gradient_ppo__chunks_start_from_the_carries_stored_with_their_first_step(agent):
    state = agent.init(jax.random.key(0))
    state, _ = agent.train(jax.random.key(1), state, N * T)  # carries are mid-episode now
    result, chunks = agent._collect(jax.random.key(2), state)
    assert chunks.reward.shape == (N * T // L, L)
    _, values = apply_sequence(agent.critic, state.critic_params, chunks.critic_timestep, chunks.critic_carry)
    np.testing.assert_allclose(values[0], result.transitions.aux["value"].reshape(N * T // L, L), rtol=1e-5, atol=1e-5)


def test_gradient_ppo__train_compiles_once_evaluate_is_pure_and_h_learns(agent):
    state = agent.init(jax.random.key(0))
    assert not np.any(np.asarray(state.critic_params["params"]["head"]["correction"]["Dense_0"]["kernel"]))
    state, _ = agent.train(jax.random.key(1), state, N * T)
    state, logs = agent.train(jax.random.key(2), state, N * T)
    assert agent._jitted_train._cache_size() == 1
    assert np.any(np.asarray(state.critic_params["params"]["head"]["correction"]["Dense_0"]["kernel"]))
    for name in ("actor", "critic", "correction", "entropy", "approx_kl"):
        assert logs[f"losses/{name}"].shape == (1,)
    before = _host(state)
    agent.evaluate(jax.random.key(3), state, N * 4)
    jax.tree.map(np.testing.assert_array_equal, _host(state), before)


def test_gradient_ppo__accepts_the_shared_torso_actor_critic(probes):
    make, heads = probes["make_network"], probes["heads"]
    network = make(heads.ActorCritic(policy=heads.Categorical(action_dim=2), value=heads.VNetwork()), recurrent=True)
    agent = GradientPPO(_config(), probes["RememberBit"](), None, network, None, optax.adam(1e-2), None)
    state = agent.init(jax.random.key(0))
    assert "correction" in state.actor_params["params"]["head"]["value"]
    state, logs = agent.train(jax.random.key(1), state, N * T)
    assert np.isfinite(logs["losses/critic"]).all() and state.critic_params is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"truncation_length": 3}, r"GradientPPOConfig.truncation_length=3 must divide num_steps=4"),
        ({"num_minibatches": 8}, r"GradientPPOConfig.num_minibatches=8 must divide"),
        ({"regularization_coefficient": -1.0}, r"GradientPPOConfig.regularization_coefficient must be >= 0"),
        ({"truncation_length": 0}, r"GradientPPOConfig.truncation_length must be > 0"),
    ],
)
def test_gradient_ppo_config__rejects_bad_fields_naming_them(fields, message):
    base = {"num_envs": N, "num_steps": T, "num_minibatches": 2, "truncation_length": L, **fields}
    with pytest.raises(ValueError, match=message):
        GradientPPOConfig(**base)
