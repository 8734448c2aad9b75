"""SAC learns Pendulum."""

import flax.linen as nn
import optax

from memorax.algorithms import SAC, SACConfig
from memorax.environments import make
from memorax.environments.wrappers import RecordEpisodeStatistics
from memorax.networks import heads


def test_sac__mlp_swings_up_pendulum(learning):
    """gymnax::Pendulum-v1, SAC (twin Q, learned temperature) + MLPs, seed 0, 16,000 env
    steps (8,000 updates): mean deterministic evaluation return (4 envs x 200 steps) >= -250."""
    env, params = make("gymnax::Pendulum-v1")
    config = SACConfig(
        num_envs=4, tau=0.005, train_frequency=2, target_update_frequency=1, target_entropy_scale=1.0,
        buffer_size=50_000, batch_size=128, learning_starts=2_000,
    )
    actor = learning["network"](heads.SquashedGaussian(action_dim=1), activation=nn.relu, features=(128, 128))
    critic = learning["network"](heads.TwinContinuousQNetwork(hidden_features=(128, 128)), activation=nn.relu, features=(64,))
    agent = SAC(
        config, RecordEpisodeStatistics(env), params, actor, critic, heads.Alpha(),
        optax.adam(1e-3), optax.adam(1e-3), optax.adam(1e-3),
    )
    result, seconds = learning["train_and_evaluate"](agent, seed=0, num_steps=16_000, eval_steps=4 * 200)
    print(f"SAC MLP Pendulum: eval return {result:.1f} in {seconds:.1f}s")
    assert result >= -250.0
