"""PositionOnlyPendulum: swing up a pendulum seen only as (cos, sin) of its angle (Morad et al., 2023, POPGym)."""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box

# Pendulum-v1's worst one-step reward is -(pi**2 + 0.1 * 8**2 + 0.001 * 2**2); POPGym maps [worst, 0] to [-1, 1].
HALF_REWARD_RANGE = (jnp.pi**2 + 0.1 * 8.0**2 + 0.001 * 2.0**2) / 2


@pytree_dataclass
class PositionOnlyPendulumParams:
    pendulum: Any  # gymnax Pendulum's EnvParams
    noise_std: Array


class PositionOnlyPendulum(AutoResetEnvironment):
    """gymnax Pendulum-v1 dynamics observed as ``(cos theta, sin theta)``, optionally noisy.

    The angular velocity is hidden, so a policy must difference observations over
    time (and, with noise, filter them). Action ``Box(-2, 2, (1,))`` (torque).
    Pendulum-v1's reward ``r`` in ``[-16.27, 0]`` is rescaled to ``(r / 8.14 + 1) / max_steps``,
    so episode returns lie in ``[-1, 1]``. Truncated after ``max_steps``; never
    terminates. Gaussian noise of ``noise_std`` is added to the observation, which is
    then clipped to ``[-1, 1]`` (NoisyPositionOnlyPendulum). Sizes (POPGym): max steps
    200 / 150 / 100; noisy: noise 0.1 / 0.2 / 0.3 over 200 steps.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    memoryless (torque proportional to the angle) 0.36 / 0.36 / 0.37, noisy
    0.33 / 0.33 / 0.32; perfect memory (energy swing-up then PD, velocity by finite
    differences; an alpha-beta filter on the angle when noisy) 0.91 / 0.88 / 0.82, noisy
    0.79 / 0.67 / 0.59.
    """

    def __init__(self, max_steps: int, noise_std: float = 0.0) -> None:
        from gymnax.environments.classic_control.pendulum import Pendulum

        if max_steps < 1 or noise_std < 0:
            raise ValueError(
                f"PositionOnlyPendulum: max_steps ({max_steps}) must be >= 1 and noise_std ({noise_std}) >= 0."
            )
        self.pendulum = Pendulum()
        self.max_steps = max_steps
        self.noise_std = noise_std

    @property
    def default_params(self) -> PositionOnlyPendulumParams:
        pendulum = self.pendulum.default_params.replace(max_steps_in_episode=self.max_steps)
        return PositionOnlyPendulumParams(pendulum=pendulum, noise_std=jnp.float32(self.noise_std))

    def observation_space(self, params: PositionOnlyPendulumParams) -> Box:
        return Box(-1.0, 1.0, (2,))

    def action_space(self, params: PositionOnlyPendulumParams) -> Box:
        return Box(-params.pendulum.max_torque, params.pendulum.max_torque, (1,))

    def _observe(self, key: PRNGKey, state: Any, params: PositionOnlyPendulumParams) -> Array:
        position = jnp.stack([jnp.cos(state.theta), jnp.sin(state.theta)]).astype(jnp.float32)
        return jnp.clip(position + params.noise_std * jax.random.normal(key, (2,)), -1.0, 1.0)

    def reset_env(self, key: PRNGKey, params: PositionOnlyPendulumParams) -> tuple[Array, Any]:
        state_key, noise_key = jax.random.split(key)
        _, state = self.pendulum.reset_env(state_key, params.pendulum)
        return self._observe(noise_key, state, params), state

    def step_env(self, key: PRNGKey, state: Any, action: Array, params: PositionOnlyPendulumParams):
        _, state, reward, _, _ = self.pendulum.step_env(key, state, action, params.pendulum)
        reward = (reward / HALF_REWARD_RANGE + 1.0) / params.pendulum.max_steps_in_episode
        truncated = state.time >= params.pendulum.max_steps_in_episode
        return self._observe(key, state, params), state, reward, jnp.bool_(False), truncated, {}
