"""Configs and agents refuse bad settings with messages that name the field and the fix."""

import jax
import optax
import pytest

from memorax.algorithms import PPO, PQN, PPOConfig, PQNConfig
from memorax.algorithms._update import run_epochs


@pytest.mark.parametrize(
    ("config_class", "fields", "message"),
    [
        (PPOConfig, {"num_envs": 3, "num_steps": 5, "num_minibatches": 2}, r"PPOConfig.num_minibatches=2 must divide .* = 15"),
        (PPOConfig, {"num_steps": 8, "burn_in_length": 8}, r"PPOConfig.burn_in_length=8 must be >= 0 and shorter than num_steps=8"),
        (PPOConfig, {"num_envs": 0}, r"PPOConfig.num_envs must be > 0"),
        (PPOConfig, {"gae_lambda": 1.5}, r"PPOConfig.gae_lambda must lie in \[0, 1\]"),
        (PPOConfig, {"target_kl": 0.0}, r"PPOConfig.target_kl must be None .* or > 0"),
        (PPOConfig, {"entropy_coefficient": -1.0}, r"PPOConfig.entropy_coefficient must be >= 0"),
        (PQNConfig, {"td_lambda": -0.1}, r"PQNConfig.td_lambda must lie in \[0, 1\]"),
        (PQNConfig, {"epsilon_decay_steps": 0}, r"PQNConfig.epsilon_decay_steps must be > 0"),
    ],
)
def test_config__rejects_bad_fields_naming_them(config_class, fields, message):
    with pytest.raises(ValueError, match=message):
        config_class(**fields)


def test_ppo_config__seed_snippet_runs_as_written():
    config = PPOConfig(
        num_envs=8, num_steps=128, gae_lambda=0.95, num_minibatches=4, update_epochs=4, normalize_advantage=True,
        clip_coefficient=0.2, clip_value_loss=True, entropy_coefficient=0.01, burn_in_length=0,
    )
    assert config.batch_size == 1024 and config.gamma == 0.99 and config.target_kl is None


def test_agent__burn_in_needs_a_recurrent_torso(probes):
    make, heads = probes["make_network"], probes["heads"]
    config = PPOConfig(num_envs=2, num_steps=4, num_minibatches=1, burn_in_length=2)
    with pytest.raises(ValueError, match=r"burn_in_length=2 needs a recurrent torso"):
        PPO(config, probes["RememberBit"](), None, make(heads.Categorical(action_dim=2)), make(heads.VNetwork()),
            optax.adam(1e-3), optax.adam(1e-3))


def test_agent__recurrent_minibatches_must_divide_the_env_rows(probes):
    make, heads = probes["make_network"], probes["heads"]
    config = PQNConfig(num_envs=2, num_steps=4, num_minibatches=4)
    with pytest.raises(ValueError, match=r"num_minibatches=4 must divide num_envs=2 with a recurrent network"):
        PQN(config, probes["RememberBit"](), None, make(heads.DiscreteQNetwork(action_dim=2), recurrent=True), optax.adam(1e-3))


@pytest.mark.parametrize(("budget", "trained"), [(12, 16), (3, 8), (8, 8)])
def test_train__rounds_a_partial_budget_up_to_whole_updates(probes, budget, trained):
    """8 transitions per update: ceil(budget / 8) updates, at least one; logs report the exact steps."""
    make, heads = probes["make_network"], probes["heads"]
    agent = PQN(PQNConfig(num_envs=2, num_steps=4, num_minibatches=1), probes["RememberBit"](), None,
                make(heads.DiscreteQNetwork(action_dim=2)), optax.adam(1e-3))
    _, logs = agent.train(jax.random.key(0), agent.init(jax.random.key(1)), budget)
    assert int(logs["step"]) == trained
    assert logs["losses/td"].shape == (trained // 8,)


def test_train__refuses_a_non_positive_budget(probes):
    make, heads = probes["make_network"], probes["heads"]
    agent = PQN(PQNConfig(num_envs=2, num_steps=4, num_minibatches=1), probes["RememberBit"](), None,
                make(heads.DiscreteQNetwork(action_dim=2)), optax.adam(1e-3))
    with pytest.raises(ValueError, match=r"num_steps=0 must be > 0"):
        agent.train(jax.random.key(0), agent.init(jax.random.key(1)), 0)


def test_run_epochs__target_kl_style_stop_skips_the_remaining_epochs():
    def update(count, minibatch):
        return count + 1, {"approx_kl": minibatch.sum() * 0 + 1.0}

    batch = jax.numpy.zeros((4, 3))
    count, metrics = run_epochs(jax.random.key(0), 0, batch, update, 5, 2, True)
    assert int(count) == 10
    count, metrics = run_epochs(jax.random.key(0), 0, batch, update, 5, 2, True, stop=lambda m: m["approx_kl"] > 0.5)
    assert int(count) == 2 and float(metrics["approx_kl"]) == 1.0
