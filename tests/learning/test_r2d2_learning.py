"""R2D2 with a GRU learns a task that needs memory."""

import flax.linen as nn
import optax

from memorax.algorithms import R2D2, R2D2Config
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def test_r2d2__gru_solves_repeat_first(learning):
    """memorax::RepeatFirstEasy (perfect memory returns 1, the best memoryless policy
    -0.3125), R2D2 + GRU with prioritised replay, 14-step windows (burn-in 4, 10 learning
    steps, 3-step targets shortened at the window's end), seed 0, 32,000 env steps:
    mean greedy evaluation return >= 0.9 (within 10% of perfect memory)."""
    env, params = make("memorax::RepeatFirstEasy")
    config = R2D2Config(
        num_envs=16, tau=1.0, target_update_frequency=1000, train_frequency=16, burn_in_length=4,
        sequence_length=14, n_step=3, gamma=0.9, buffer_size=50_000, batch_size=32, learning_starts=2_000,
        epsilon_decay_steps=30_000, epsilon_finish=0.02,
    )
    agent = R2D2(
        config, RecordEpisodeStatistics(env), params,
        learning["network"](heads.DiscreteQNetwork(action_dim=4), torso="gru", activation=nn.relu),
        optax.chain(optax.clip_by_global_norm(10.0), optax.adam(1e-3)),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=32_000, eval_steps=16 * 64)
    print(f"R2D2 GRU RepeatFirstEasy: eval return {result:.3f} in {seconds:.1f}s")
    assert result >= 0.9
