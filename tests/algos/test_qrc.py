"""QRC: the update against a hand computation, truncation, and the API contract."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from memorax.algorithms import QRC, QRCConfig
from memorax.algorithms._network import apply_step
from memorax.algorithms._update import gradient_step
from memorax.core.timestep import Timestep, Transition
from memorax.networks import RNN, RTRL, FeatureExtractor, Network, RTUCell

N, GAMMA, BETA, ALPHA = 3, 0.9, 0.5, 0.1


class Linear(nn.Module):
    @nn.compact
    def __call__(self, x):
        return x


def linear(head, torso=None):
    return Network(FeatureExtractor(observation_extractor=Linear()), torso=torso, head=head)


def _host(tree):
    return jax.tree.map(np.asarray, tree)


@pytest.fixture(scope="module")
def agent(probes):
    config = QRCConfig(num_envs=N, gamma=GAMMA, regularization_coefficient=BETA)
    q_network = linear(probes["heads"].DiscreteQNetwork(action_dim=2, kernel_init=nn.initializers.normal(1.0)))
    return QRC(config, probes["RememberBit"](), None, q_network, optax.sgd(ALPHA))


def test_qrc__one_update_is_the_hand_computed_qrc_and_tdrc_step(agent):
    """Linear Q and h (features x): theta += a [delta x_a - gamma h(x, a) x'_a*], h += a [(delta - h) x_a] - a beta h."""
    params = agent.init(jax.random.key(0)).params
    h_key, obs_key = jax.random.split(jax.random.key(1))
    correction = jax.tree.map(lambda p: jax.random.normal(h_key, p.shape), params["params"]["head"]["correction"])
    params = {"params": {**params["params"], "head": {**params["params"]["head"], "correction": correction}}}
    x, x_next = np.asarray(jax.random.normal(obs_key, (2, N, 2)))
    action, reward = np.array([0, 1, 1]), np.array([1.0, -0.5, 0.25])
    terminated = np.array([False, True, False])
    transition = Transition(
        timestep=Timestep(jnp.asarray(x), jnp.zeros(N, jnp.int32), jnp.zeros(N), jnp.zeros(N, bool)),
        action=jnp.asarray(action, jnp.int32), reward=jnp.asarray(reward, jnp.float32),
        terminated=jnp.asarray(terminated), truncated=jnp.zeros(N, bool), next_observation=jnp.asarray(x_next),
    )
    new, _, _ = gradient_step(agent._loss, agent.optimizer, params, agent.optimizer.init(params), transition, None)

    p = _host(params)["params"]["head"]
    W, b = p["head"]["Dense_0"]["kernel"], p["head"]["Dense_0"]["bias"]
    Wh, bh = p["correction"]["Dense_0"]["kernel"], p["correction"]["Dense_0"]["bias"]
    rows = np.arange(N)
    q, q_next, h = x @ W + b, x_next @ W + b, x @ Wh + bh
    best = q_next.argmax(-1)
    discount = GAMMA * (1.0 - terminated)
    delta = reward + discount * q_next[rows, best] - q[rows, action]
    h_a = h[rows, action]
    e_a, e_best = np.eye(2)[action], np.eye(2)[best]
    dW = np.mean(delta[:, None, None] * x[:, :, None] * e_a[:, None]
                 - (discount * h_a)[:, None, None] * x_next[:, :, None] * e_best[:, None], axis=0)
    db = np.mean(delta[:, None] * e_a - (discount * h_a)[:, None] * e_best, axis=0)
    dWh = np.mean((delta - h_a)[:, None, None] * x[:, :, None] * e_a[:, None], axis=0) - BETA * Wh
    dbh = np.mean((delta - h_a)[:, None] * e_a, axis=0) - BETA * bh

    got = _host(new)["params"]["head"]
    np.testing.assert_allclose(got["head"]["Dense_0"]["kernel"], W + ALPHA * dW, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["head"]["Dense_0"]["bias"], b + ALPHA * db, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["correction"]["Dense_0"]["kernel"], Wh + ALPHA * dWh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["correction"]["Dense_0"]["bias"], bh + ALPHA * dbh, rtol=1e-5, atol=1e-6)


def test_qrc__train_compiles_once_evaluate_is_pure_and_seeds_vmap(agent):
    state = agent.init(jax.random.key(0))
    assert not np.any(np.asarray(state.params["params"]["head"]["correction"]["Dense_0"]["kernel"]))  # h starts at 0
    state, _ = agent.train(jax.random.key(1), state, 4 * N)
    state, logs = agent.train(jax.random.key(2), state, 4 * N)
    assert agent._jitted_train._cache_size() == 1
    assert int(logs["step"]) == 8 * N and logs["episode/return"].shape == (4, N)
    assert logs["losses/td_error"].shape == (4,)
    before = _host(state)
    eval_logs = agent.evaluate(jax.random.key(3), state, 10 * N)
    jax.tree.map(np.testing.assert_array_equal, _host(state), before)
    assert eval_logs["episode/done"].sum() == 5 * N
    keys = jax.random.split(jax.random.key(4), 2)
    states, logs = jax.vmap(agent.train, in_axes=(0, 0, None))(keys, jax.vmap(agent.init)(keys), 4 * N)
    single, _ = agent.train(keys[1], agent.init(keys[1]), 4 * N)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a[1], b, rtol=1e-4, atol=1e-5),
                 _host(states.params), _host(single.params))


def test_qrc__values_bootstrap_through_truncation(probes):
    """Reward 1 every step, every step truncated: Q = 1 / (1 - gamma) = 2, not 1."""
    env = probes["RememberBit"](truncate=True)
    q_network = linear(probes["heads"].DiscreteQNetwork(action_dim=2))
    agent = QRC(QRCConfig(num_envs=8, gamma=0.5), env, None, q_network, optax.adam(3e-2))
    state, _ = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), 8 * 300)
    _, (q_values, _) = apply_step(agent.q_network, state.params, state.timestep, None)
    np.testing.assert_allclose(q_values, 2.0, atol=0.1)


def test_qrc__rtrl_torso_learns_online(probes):
    """The carry holds RTRL sensitivities; the recurrence's parameters move with every update."""
    torso = RTRL(RNN(cell=RTUCell(features=4, hidden_dim=4)))
    q_network = Network(FeatureExtractor(observation_extractor=nn.Dense(4)), torso=torso,
                        head=probes["heads"].DiscreteQNetwork(action_dim=2))
    agent = QRC(QRCConfig(num_envs=2), probes["RememberBit"](), None, q_network, optax.adam(1e-2))
    state = agent.init(jax.random.key(0))
    after, logs = agent.train(jax.random.key(1), state, 4)
    moved = jax.tree.map(lambda a, b: bool(np.any(np.asarray(a) != np.asarray(b))),
                         state.params["params"]["torso"], after.params["params"]["torso"])
    assert all(jax.tree.leaves(moved)) and np.all(np.isfinite(logs["losses/td_error"]))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_envs": 0}, r"QRCConfig.num_envs must be > 0"),
        ({"gamma": 1.5}, r"QRCConfig.gamma must lie in \[0, 1\]"),
        ({"regularization_coefficient": -1.0}, r"QRCConfig.regularization_coefficient must be >= 0"),
        ({"epsilon_decay_steps": 0}, r"QRCConfig.epsilon_decay_steps must be > 0"),
    ],
)
def test_qrc_config__rejects_bad_fields_naming_them(fields, message):
    with pytest.raises(ValueError, match=message):
        QRCConfig(**fields)
