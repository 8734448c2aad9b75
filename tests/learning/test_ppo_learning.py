"""PPO learns CartPole with an MLP and a memory task with recurrent and memoroid torsos."""

import optax
import pytest

from memorax.algorithms import PPO, PPOConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def _adam(learning_rate: float, num_updates: int, config: PPOConfig):
    steps = num_updates * config.update_epochs * config.num_minibatches
    return optax.chain(optax.clip_by_global_norm(0.5), optax.adam(optax.linear_schedule(learning_rate, 0.0, steps)))


def test_ppo__mlp_solves_cartpole(learning):
    """gymnax::CartPole-v1, PPO + MLP, seed 0, 163,840 env steps (<= 500k required):
    mean evaluation return (8 envs x 500 steps, deterministic policy) >= 475."""
    env, params = make("gymnax::CartPole-v1")
    config = PPOConfig(num_envs=8, num_steps=128, num_minibatches=4, update_epochs=4, entropy_coefficient=0.0)
    budget = 160 * config.batch_size
    agent = PPO(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.Categorical(action_dim=2)), learning["network"](heads.VNetwork()),
        _adam(2.5e-3, 160, config), _adam(2.5e-3, 160, config),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=budget, eval_steps=8 * 500)
    print(f"PPO MLP CartPole: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= 475.0


@pytest.mark.parametrize("torso", ["gru", "mingru"])
def test_ppo__recurrent_torso_solves_memory_task(learning, torso):
    """memorax::RepeatFirstEasy (name the first of 8 cards, 4 values), PPO + GRU or
    Memoroid(MinGRU), seed 0, 30,720 env steps: mean evaluation return >= 0.9 (perfect
    memory 1.0, i.e. within 10%), far above the memoryless optimum -0.3125."""
    env, params = make("memorax::RepeatFirstEasy")
    config = PPOConfig(num_envs=16, num_steps=64, num_minibatches=4, update_epochs=4)
    updates = 30
    agent = PPO(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.Categorical(action_dim=4), torso, features=(64,)),
        learning["network"](heads.VNetwork(), torso, features=(64,)),
        _adam(3e-3, updates, config), _adam(3e-3, updates, config),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=updates * config.batch_size, eval_steps=16 * 64)
    print(f"PPO {torso} RepeatFirstEasy: eval return {result:.3f} in {seconds:.1f}s")
    assert result >= 0.9


def test_ppo__hl_gauss_critic_solves_memory_task(learning):
    """memorax::RepeatFirstEasy, PPO + GRU with an HLGaussVNetwork critic (51 bins on [-2, 2],
    trained by its HL-Gauss cross-entropy, clip_value_loss=False), seed 0, 30,720 env steps
    (the GRU test's budget): mean evaluation return >= 0.9 (memoryless optimum -0.3125)."""
    env, params = make("memorax::RepeatFirstEasy")
    config = PPOConfig(num_envs=16, num_steps=64, num_minibatches=4, update_epochs=4, clip_value_loss=False)
    updates = 30
    agent = PPO(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.Categorical(action_dim=4), "gru", features=(64,)),
        learning["network"](heads.HLGaussVNetwork(num_bins=51, v_min=-2.0, v_max=2.0), "gru", features=(64,)),
        _adam(3e-3, updates, config), _adam(3e-3, updates, config),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=updates * config.batch_size, eval_steps=16 * 64)
    print(f"PPO GRU + HL-Gauss critic RepeatFirstEasy: eval return {result:.3f} in {seconds:.1f}s")
    assert result >= 0.9
