"""StatelessCartPole: CartPole with positions only, optionally noisy (Morad et al., 2023, POPGym)."""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete


@pytree_dataclass
class StatelessCartPoleParams:
    cartpole: Any  # gymnax CartPole's EnvParams
    noise_std: Array


class StatelessCartPole(AutoResetEnvironment):
    """gymnax CartPole-v1 dynamics observed as ``(cart position, pole angle)`` plus Gaussian noise.

    The velocities are hidden, so a policy must difference observations over time
    (and, with noise, filter them). Action ``Discrete(2)`` (push left/right). Reward
    ``1 / max_steps`` per step, so balancing for the whole episode returns 1. The
    pole falling terminates; the step limit truncates. ``noise_std`` > 0 gives
    NoisyStatelessCartPole. Sizes (Easy / Medium / Hard): max steps 200 / 400 / 600;
    noise 0.05 / 0.075 / 0.1 for the noisy variant.

    Returns, measured with scripted policies (mean of 512 first episodes):
    perfect memory (velocities by finite differences; a Kalman filter on the
    linearised dynamics when noisy) 1 / 1 / 1, noisy 1 / 0.999 / 0.929. Memoryless
    (push towards the lean, the best of the threshold policies on position and angle
    we searched) 0.214 / 0.107 / 0.071, noisy 0.247 / 0.130 / 0.084.
    """

    def __init__(self, max_steps: int, noise_std: float = 0.0) -> None:
        from gymnax.environments.classic_control.cartpole import CartPole

        if max_steps < 1 or noise_std < 0:
            raise ValueError(
                f"StatelessCartPole: max_steps ({max_steps}) must be >= 1 and noise_std ({noise_std}) >= 0."
            )
        self.cartpole = CartPole()
        self.max_steps = max_steps
        self.noise_std = noise_std

    @property
    def default_params(self) -> StatelessCartPoleParams:
        cartpole = self.cartpole.default_params.replace(max_steps_in_episode=self.max_steps)
        return StatelessCartPoleParams(cartpole=cartpole, noise_std=jnp.float32(self.noise_std))

    def observation_space(self, params: StatelessCartPoleParams) -> Box:
        limit = jnp.array([2 * params.cartpole.x_threshold, 2 * params.cartpole.theta_threshold_radians])
        return Box(-limit - 10 * params.noise_std, limit + 10 * params.noise_std, (2,))

    def action_space(self, params: StatelessCartPoleParams) -> Discrete:
        return Discrete(2)

    def _observe(self, key: PRNGKey, state: Any, params: StatelessCartPoleParams) -> Array:
        positions = jnp.stack([state.x, state.theta]).astype(jnp.float32)
        return positions + params.noise_std * jax.random.normal(key, (2,))

    def reset_env(self, key: PRNGKey, params: StatelessCartPoleParams) -> tuple[Array, Any]:
        state_key, noise_key = jax.random.split(key)
        _, state = self.cartpole.reset_env(state_key, params.cartpole)
        return self._observe(noise_key, state, params), state

    def step_env(self, key: PRNGKey, state: Any, action: Array, params: StatelessCartPoleParams):
        _, state, _, terminated, _ = self.cartpole.step_env(key, state, action, params.cartpole)
        truncated = ~terminated & (state.time >= params.cartpole.max_steps_in_episode)
        reward = jnp.float32(1.0) / params.cartpole.max_steps_in_episode
        return self._observe(key, state, params), state, reward, terminated, truncated, {}
