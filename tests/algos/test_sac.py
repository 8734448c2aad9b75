"""SAC on a one-dimensional continuous probe."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from memorax.algorithms import SAC, SACConfig
from memorax.core.dataclass import pytree_dataclass


@dataclasses.dataclass(frozen=True)
class Box:
    low: float
    high: float
    shape: tuple
    dtype: object = jnp.float32

    def sample(self, key):
        return jax.random.uniform(key, self.shape, minval=self.low, maxval=self.high)


@pytree_dataclass
class MatchState:
    target: jax.Array
    time: jax.Array


class MatchTarget:
    """Observe a target in [-1, 1]; reward -(action - target)^2; truncated after 4 steps."""

    default_params = None

    def observation_space(self, params):
        return Box(-1.0, 1.0, (1,))

    def action_space(self, params):
        return Box(-2.0, 2.0, (1,))

    def reset(self, key, params):
        target = jax.random.uniform(key, (1,), minval=-1.0, maxval=1.0)
        return target, MatchState(target, jnp.int32(0))

    def step(self, key, state, action, params):
        reward = -jnp.sum(jnp.square(action - state.target))
        truncated = state.time == 3
        fresh_obs, fresh = self.reset(key, params)
        after = MatchState(state.target, state.time + 1)
        next_state = jax.tree.map(lambda a, b: jnp.where(truncated, a, b), fresh, after)
        observation = jnp.where(truncated, fresh_obs, state.target)
        info = {"final_observation": state.target}
        return observation, next_state, reward, jnp.bool_(False), truncated, info


@pytest.mark.parametrize("recurrent", [False, True])
def test_sac__seed_snippet_with_critic_as_alpha_warns_and_trains(probes, recurrent):
    config = SACConfig(
        num_envs=4, tau=0.005, train_frequency=1, target_update_frequency=1, target_entropy_scale=0.89,
        gradient_steps=1, burn_in_length=2 if recurrent else 0, batch_size=8, learning_starts=0,
    )
    actor = probes["make_network"](probes["heads"].SquashedGaussian(action_dim=1), recurrent=recurrent)
    critic = probes["make_network"](probes["heads"].TwinContinuousQNetwork(hidden_features=(16,)), recurrent=recurrent)
    with pytest.warns(UserWarning, match="heads.Alpha"):
        agent = SAC(config, MatchTarget(), None, actor, critic, critic, optax.adam(1e-3), optax.adam(1e-3), optax.adam(1e-3))
    state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 40)
    state, logs = agent.train(jax.random.key(2), state, 8)
    assert all(np.all(np.isfinite(v)) for v in logs.values())
    assert logs["losses/alpha"].shape == (2,)
    eval_logs = agent.evaluate(jax.random.key(3), state, 8)
    assert int(eval_logs["step"]) == 8
