"""The seed algorithms guide's StreamAC and GradientPPO snippets run as written.

Only the env and the networks are added (a probe env and small MLP networks); the
snippets' configs and constructor calls are verbatim. ``train`` and ``evaluate`` are
traced with ``jax.eval_shape`` (shapes and types, no compilation): the training loop
pattern of the guide, with ``(state, logs)`` returned instead of ``lox.spool``.
"""

import jax
import optax

from memorax.algorithms import GradientPPO, GradientPPOConfig, StreamAC, StreamACConfig


def _loop(agent, num_steps):
    key = jax.random.key(0)
    key, init_key = jax.random.split(key)
    state = agent.init(init_key)
    key, warmup_key = jax.random.split(key)
    state = agent.warmup(warmup_key, state, num_steps=10_000)
    key, train_key = jax.random.split(key)
    state, logs = jax.eval_shape(lambda k, s: agent.train(k, s, num_steps=num_steps), train_key, state)
    key, eval_key = jax.random.split(key)
    eval_logs = jax.eval_shape(lambda k, s: agent.evaluate(k, s, num_steps=800), eval_key, state)
    return state, logs, eval_logs


def test_seed_snippet__stream_ac(probes):
    env, env_params = probes["RememberBit"](), None
    actor = probes["make_network"](probes["heads"].Categorical(action_dim=2))
    critic = probes["make_network"](probes["heads"].VNetwork())

    config = StreamACConfig(
        num_envs=8,
        trace_lambda=0.9,
        actor_lr=3e-4,
        critic_lr=1e-3,
        entropy_coefficient=0.01,
    )
    agent = StreamAC(config, env, env_params, actor, critic)

    state, logs, eval_logs = _loop(agent, num_steps=800)
    assert logs["episode/return"].shape == (100, 8) and eval_logs["episode/return"].shape == (100, 8)
    assert state.critic_traces["params"]["head"]["Dense_0"]["kernel"].shape[0] == 8  # one trace per env


def test_seed_snippet__gradient_ppo(probes):
    env, env_params = probes["RememberBit"](), None
    actor = probes["make_network"](probes["heads"].Categorical(action_dim=2), recurrent=True)
    critic = probes["make_network"](probes["heads"].VNetwork(), recurrent=True)
    optimizer = optax.adam(3e-4)

    config = GradientPPOConfig(
        num_envs=8,
        num_steps=128,
        gae_lambda=0.95,
        num_minibatches=4,
        update_epochs=4,
        normalize_advantage=True,
        clip_coefficient=0.2,
        clip_value_loss=True,
        entropy_coefficient=0.01,
        regularization_coefficient=0.1,
        truncation_length=16,
    )
    agent = GradientPPO(config, env, env_params, actor, critic, optimizer, optimizer)

    state, logs, eval_logs = _loop(agent, num_steps=1024)
    assert logs["losses/correction"].shape == (1,) and eval_logs["episode/return"].shape == (100, 8)
    assert "correction" in state.critic_params["params"]["head"]  # the h head is built inside
