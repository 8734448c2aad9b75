"""Stream AC(lambda): one step against a hand computation, traces, truncation, and the API contract."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.algorithms import StreamAC, StreamACConfig
from memorax.algorithms._network import apply_step
from memorax.networks import RNN, RTRL, FeatureExtractor, LRUCell, LRUConfig, Memoroid, Network, RTUCell

N = 2


class Linear(nn.Module):
    """Features = the observation itself, so the heads are linear in it."""

    @nn.compact
    def __call__(self, x):
        return x


def linear(head, torso=None):
    return Network(FeatureExtractor(observation_extractor=Linear()), torso=torso, head=head)


def _plain(**fields):
    return StreamACConfig(num_envs=N, normalize_observations=False, scale_rewards=False, **fields)


def _host(tree):
    return jax.tree.map(np.asarray, tree)


def _softmax(logits):
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


GAMMA, LAMBDA, LR, KAPPA, TAU = 0.9, 0.5, 0.5, 2.0, 0.1


@pytest.fixture(scope="module")
def linear_agent(probes):
    """Linear actor and critic (features = observation) on RememberBit, no normalisation."""
    heads = probes["heads"]
    config = _plain(gamma=GAMMA, trace_lambda=LAMBDA, actor_lr=LR, critic_lr=LR, actor_kappa=KAPPA,
                    critic_kappa=KAPPA, entropy_coefficient=TAU)
    return StreamAC(config, probes["RememberBit"](), None,
                    linear(heads.Categorical(action_dim=2, kernel_init=nn.initializers.normal(1.0))),
                    linear(heads.VNetwork(kernel_init=nn.initializers.normal(1.0))))


def test_stream_ac__one_step_matches_a_hand_computed_update(linear_agent):
    """RememberBit's first step: traces = gradients, ObGD per env, mean over envs."""
    agent, gamma, lr, kappa, tau = linear_agent, GAMMA, LR, KAPPA, TAU
    state = agent.init(jax.random.key(0))
    after, _ = agent.train(jax.random.key(1), state, N)
    x = np.asarray(state.timestep.observation)  # (N, 2)
    action = np.asarray(after.timestep.action)  # a_0 (step 0 never ends the episode)
    reward = np.zeros(N)  # step 0 pays nothing
    x_next = np.stack([np.zeros(N), np.zeros(N)], axis=1)  # step 1 shows nothing

    critic = _host(state.critic_params)["params"]["head"]["Dense_0"]
    w, c = critic["kernel"][:, 0], critic["bias"][0]
    delta = reward + gamma * (x_next @ w + c) - (x @ w + c)

    def obgd(grads_per_env):  # grads_per_env: list of (N, ...) arrays
        norm = sum(np.abs(g).reshape(N, -1).sum(1) for g in grads_per_env)
        step = lr / np.maximum(1.0, lr * kappa * np.maximum(np.abs(delta), 1.0) * norm)
        return [np.mean((step * delta).reshape((N,) + (1,) * (g.ndim - 1)) * g, axis=0) for g in grads_per_env]

    dw, dc = obgd([x, np.ones(N)])
    new_critic = _host(after.critic_params)["params"]["head"]["Dense_0"]
    np.testing.assert_allclose(new_critic["kernel"][:, 0], w + dw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_critic["bias"][0], c + dc, rtol=1e-5, atol=1e-6)

    actor = _host(state.actor_params)["params"]["head"]["Dense_0"]
    p = _softmax(x @ actor["kernel"] + actor["bias"])
    log_p = np.log(p)
    entropy = -(p * log_p).sum(-1, keepdims=True)
    d_logit = np.eye(2)[action] - p + tau * np.sign(delta)[:, None] * (-p * (log_p + entropy))
    d_kernel, d_bias = obgd([x[:, :, None] * d_logit[:, None, :], d_logit])
    new_actor = _host(after.actor_params)["params"]["head"]["Dense_0"]
    np.testing.assert_allclose(new_actor["kernel"], actor["kernel"] + d_kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_actor["bias"], actor["bias"] + d_bias, rtol=1e-5, atol=1e-6)


def test_stream_ac__traces_decay_within_an_episode_and_restart_with_the_next(linear_agent):
    """Linear critic: grad V = (o, 1), so the bias trace counts the decayed steps since the episode start."""
    agent = linear_agent
    state = agent.init(jax.random.key(0))
    state, _ = agent.train(jax.random.key(1), state, N)  # step 0 of the episode
    np.testing.assert_allclose(state.critic_traces["params"]["head"]["Dense_0"]["bias"], 1.0)
    state, _ = agent.train(jax.random.key(2), state, N)  # step 1, the episode ends
    np.testing.assert_allclose(state.critic_traces["params"]["head"]["Dense_0"]["bias"], GAMMA * LAMBDA + 1.0, rtol=1e-6)
    first = np.asarray(state.timestep.observation)
    state, _ = agent.train(jax.random.key(3), state, N)  # first step of the next episode: restarted
    traces = state.critic_traces["params"]["head"]["Dense_0"]
    np.testing.assert_allclose(traces["bias"], 1.0)
    np.testing.assert_allclose(traces["kernel"][..., 0], first)


def test_stream_ac__values_bootstrap_through_truncation(probes):
    """Reward 1 every step, every step truncated: V = 1 / (1 - gamma) = 2, not 1."""
    env, heads = probes["RememberBit"](truncate=True), probes["heads"]
    agent = StreamAC(_plain(gamma=0.5, critic_lr=0.1), env, None, linear(heads.Categorical(action_dim=2)),
                     linear(heads.VNetwork()))
    state, _ = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), N * 300)
    _, value = apply_step(agent.critic, state.critic_params, state.timestep, None)
    np.testing.assert_allclose(value, 2.0, atol=0.1)


@pytest.fixture(scope="module")
def rtrl_agent(probes):
    heads = probes["heads"]
    config = StreamACConfig(num_envs=N)

    def network(head):
        return Network(FeatureExtractor(observation_extractor=nn.Dense(4)), torso=RTRL(RNN(cell=RTUCell(features=4, hidden_dim=4))), head=head)

    return StreamAC(config, probes["RememberBit"](), None, network(heads.Categorical(action_dim=2)), network(heads.VNetwork()))


def test_stream_ac__train_compiles_once_and_evaluate_leaves_the_state_untouched(rtrl_agent):
    state = rtrl_agent.init(jax.random.key(0))
    state, _ = rtrl_agent.train(jax.random.key(1), state, 4 * N)
    state, logs = rtrl_agent.train(jax.random.key(2), state, 4 * N)
    assert rtrl_agent._jitted_train._cache_size() == 1
    assert int(logs["step"]) == 8 * N and logs["episode/return"].shape == (4, N)
    assert logs["losses/td_error"].shape == (4,)
    assert jax.tree.leaves(state.actor_carry[1])  # RTRL sensitivities ride in the carry
    before = _host(state)
    eval_logs = rtrl_agent.evaluate(jax.random.key(3), state, 10 * N)
    jax.tree.map(np.testing.assert_array_equal, _host(state), before)
    assert eval_logs["episode/done"].sum() == 5 * N


def test_stream_ac__vmaps_over_seeds_like_separate_runs(linear_agent):
    agent = linear_agent
    keys = jax.random.split(jax.random.key(5), 2)
    train_keys = jax.random.split(jax.random.key(6), 2)
    states, logs = jax.vmap(agent.train, in_axes=(0, 0, None))(train_keys, jax.vmap(agent.init)(keys), N)
    single, _ = agent.train(train_keys[1], agent.init(keys[1]), N)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a[1], b, rtol=1e-4, atol=1e-5),
                 _host(states.critic_params), _host(single.critic_params))
    assert logs["step"].shape == (2,)


def test_stream_ac__memoroid_lru_rtrl_torso_trains(probes):
    heads = probes["heads"]
    torso = RTRL(Memoroid(cell=LRUCell(config=LRUConfig(features=4))))
    network = lambda head: Network(FeatureExtractor(observation_extractor=nn.Dense(4)), torso=torso, head=head)
    agent = StreamAC(StreamACConfig(num_envs=N), probes["RememberBit"](), None,
                     linear(heads.Categorical(action_dim=2)), network(heads.VNetwork()))
    state = agent.init(jax.random.key(0))
    after, logs = agent.train(jax.random.key(1), state, 2 * N)
    moved = jax.tree.map(lambda a, b: bool(np.any(np.asarray(a) != np.asarray(b))),
                         state.critic_params["params"]["torso"], after.critic_params["params"]["torso"])
    assert any(jax.tree.leaves(moved))  # the recurrence learns online through its sensitivities
    assert np.all(np.isfinite(logs["losses/td_error"]))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"num_envs": 0}, r"StreamACConfig.num_envs must be > 0"),
        ({"trace_lambda": 1.5}, r"StreamACConfig.trace_lambda must lie in \[0, 1\]"),
        ({"actor_kappa": 0.0}, r"StreamACConfig.actor_kappa must be > 0"),
        ({"critic_lr": -1.0}, r"StreamACConfig.critic_lr must be > 0"),
        ({"entropy_coefficient": -0.1}, r"StreamACConfig.entropy_coefficient must be >= 0"),
    ],
)
def test_stream_ac_config__rejects_bad_fields_naming_them(fields, message):
    with pytest.raises(ValueError, match=message):
        StreamACConfig(**fields)


def test_stream_ac__train_rounds_a_partial_vector_step_up(linear_agent):
    state, logs = linear_agent.train(jax.random.key(0), linear_agent.init(jax.random.key(1)), 3)
    assert int(state.step) == 4 and float(logs["step"]) == 4.0  # two vector steps of 2 envs


def test_stream_ac__train_refuses_a_non_positive_budget(linear_agent):
    with pytest.raises(ValueError, match=r"num_steps=0 must be > 0"):
        linear_agent.train(jax.random.key(0), linear_agent.init(jax.random.key(1)), 0)
