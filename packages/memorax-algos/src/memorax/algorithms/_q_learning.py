"""Stored-state sequence Q-learning: the mechanism behind DQN and R2D2.

A replayed window holds ``burn_in_length + sequence_length + n_step - 1`` steps and the
carry stored before its first step. The online and the target network both start
from that *same* stored carry, warm it up on the burn-in steps (no gradient), then
unroll over the rest, reading Q at every ``o_t`` and at every true next observation
``o_{t+1}`` (:func:`memorax.algorithms._unroll.unroll_with_next`). The loss covers the
first ``sequence_length`` steps after the burn-in, each regressed on its n-step
(double-)Q target; R2D2 also rescales values with ``h`` and mixes per-window
priorities ``eta * max |delta| + (1 - eta) * mean |delta|`` (Kapturowski et al. 2019).
"""

import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._exploration import epsilon_greedy
from memorax.algorithms._network import apply_step, init_params, is_recurrent
from memorax.algorithms._off_policy import (
    Buffer,
    OffPolicyAlgorithm,
    check_buffer,
    check_burn_in,
    default_buffer,
    stored_carry,
)
from memorax.algorithms._rollout import Act, reset_envs
from memorax.algorithms._targets import inverse_value_rescale, n_step_returns, update_target, value_rescale
from memorax.algorithms._tree import strong_types
from memorax.algorithms._unroll import unroll_with_next
from memorax.algorithms._update import gradient_step
from memorax.buffers import PrioritisedEpisodeBuffer, importance_weights
from memorax.core.dataclass import pytree_dataclass
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey

Schedule = Callable[[Array], Array]


@pytree_dataclass
class QLearningState:
    """Everything DQN/R2D2 training changes; per-env leaves have the env axis leading.

    ``carry`` is the acting carry; ``step`` counts env transitions done by ``train``.
    """

    step: Array
    timestep: Timestep
    env_state: EnvState
    carry: Carry
    params: Params
    target_params: Params
    optimizer_state: optax.OptState
    buffer_state: Any


def window_length(config: Any) -> int:
    """Steps per replayed window: burn-in, learning steps, and the n-step look-ahead."""
    return config.burn_in_length + config.sequence_length + config.n_step - 1


def example_transition(timestep: Timestep, carry: Carry) -> Transition:
    """One env's stored transition (shapes and dtypes) for ``buffer.init``."""
    first = jax.tree.map(lambda x: x[0], (timestep, carry))
    return Transition(
        timestep=first[0],
        action=first[0].action,
        reward=jnp.zeros((), jnp.float32),
        terminated=jnp.zeros((), bool),
        truncated=jnp.zeros((), bool),
        next_observation=first[0].observation,
        carry=first[1],
        aux={},
    )


class QLearning(OffPolicyAlgorithm):
    """Shared body of :class:`~memorax.algorithms.DQN` and :class:`~memorax.algorithms.R2D2`."""

    def __init__(
        self,
        config: Any,
        env: Any,
        env_params: EnvParams,
        q_network: nn.Module,
        optimizer: optax.GradientTransformation,
        buffer: Buffer | None,
        epsilon_schedule: Schedule | None,
        beta_schedule: Schedule | None,
    ) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        self.q_network = q_network
        self.optimizer = optimizer
        check_burn_in(config, is_recurrent(q_network.initialize_carry(jax.random.key(0), (1,))))
        window = window_length(config)
        if buffer is None:
            buffer = default_buffer(config, window)
        check_buffer(config, buffer, window)
        self.buffer = buffer
        self.epsilon_schedule = epsilon_schedule or optax.linear_schedule(
            config.epsilon_start, config.epsilon_finish, config.epsilon_decay_steps
        )
        self.beta_schedule = beta_schedule or optax.constant_schedule(config.importance_sampling_exponent)
        super().__init__()

    def init(self, key: PRNGKey) -> QLearningState:
        """Resets the envs; initialises the Q-network, its target copy, optimizer, carry and buffer."""
        env_key, params_key, carry_key = jax.random.split(key, 3)
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, self.config.num_envs)
        params = init_params(self.q_network, params_key, timestep)
        carry = self._fresh_carry(carry_key)
        state = QLearningState(
            step=jnp.zeros((), jnp.int32),
            timestep=timestep,
            env_state=env_state,
            carry=carry,
            params=params,
            target_params=params,
            optimizer_state=self.optimizer.init(params),
            buffer_state=self.buffer.init(example_transition(timestep, carry)),
        )
        return strong_types(state)

    def _fresh_carry(self, key: PRNGKey) -> Carry:
        return self.q_network.initialize_carry(key, (self.config.num_envs,))

    def _policy(self, state: QLearningState, explore: Any) -> Act:
        if explore is None:
            epsilon = jnp.float32(0.0)
        elif explore == "random":
            epsilon = jnp.float32(1.0)
        else:
            epsilon = self.epsilon_schedule(state.step)

        def act(key: PRNGKey, carry: Carry, timestep: Timestep, env_state: EnvState) -> tuple:
            carry, output = apply_step(self.q_network, state.params, timestep, carry)
            q_values = self.q_network.head.q_values(output)[:, 0]
            return carry, epsilon_greedy(key, q_values, epsilon, timestep.action.dtype), {}

        return act

    def _update_targets(self, state: QLearningState, count: Array) -> QLearningState:
        return state.replace(target_params=update_target(state.params, state.target_params, self.config.tau, count))

    def _learn(self, state: QLearningState, key: PRNGKey) -> tuple[QLearningState, dict[str, Array]]:
        sample_key, loss_key = jax.random.split(key)
        sample = self.buffer.sample(state.buffer_state, sample_key)
        prioritised = isinstance(self.buffer, PrioritisedEpisodeBuffer)
        if prioritised:
            weights = importance_weights(sample.probabilities, self.beta_schedule(state.step))
        else:
            weights = jnp.ones((self.buffer.sample_batch_size,), jnp.float32)
        params, optimizer_state, metrics = gradient_step(
            self._loss, self.optimizer, state.params, state.optimizer_state,
            state.target_params, sample.experience, weights, loss_key,
        )
        priorities = metrics.pop("priority")
        buffer_state = state.buffer_state
        if prioritised:
            buffer_state = self.buffer.set_priorities(buffer_state, sample.indices, priorities)
        state = state.replace(params=params, optimizer_state=optimizer_state, buffer_state=buffer_state)
        return state, metrics

    def _loss(
        self, params: Params, target_params: Params, window: Transition, weights: Array, key: PRNGKey
    ) -> tuple[Array, dict[str, Array]]:
        config = self.config
        read = lambda output, _: self.q_network.head.q_values(output)
        carry = stored_carry(window)
        warm, rest = split_burn_in(window, config.burn_in_length)
        online_carry = burn_in(self.q_network, params, warm.timestep, carry)
        target_carry = burn_in(self.q_network, target_params, warm.timestep, carry)
        q_values, q_next, aux_loss = unroll_with_next(self.q_network, params, rest, online_carry, read, key)
        _, q_next_target, _ = unroll_with_next(self.q_network, target_params, rest, target_carry, read, key)

        chooser = q_next if config.double_q else q_next_target
        greedy = jnp.argmax(jax.lax.stop_gradient(chooser), axis=-1)
        next_value = jnp.take_along_axis(q_next_target, greedy[..., None], axis=-1)[..., 0]
        if config.value_rescaling:
            next_value = inverse_value_rescale(next_value)
        discount = config.gamma * (1.0 - rest.terminated.astype(jnp.float32))
        trace = 1.0 - rest.truncated.astype(jnp.float32)
        returns = jax.vmap(functools.partial(n_step_returns, n_step=config.n_step))(
            rest.reward, discount, trace, next_value
        )
        if config.value_rescaling:
            returns = value_rescale(returns)
        returns = jax.lax.stop_gradient(returns)

        learn = config.sequence_length
        action = rest.action[:, :learn].astype(jnp.int32)
        q_taken = jnp.take_along_axis(q_values[:, :learn], action[..., None], axis=-1)[..., 0]
        td = q_taken - returns
        td_loss = jnp.mean(weights[:, None] * 0.5 * jnp.square(td))
        magnitude = jnp.abs(jax.lax.stop_gradient(td))
        eta = config.priority_eta
        priority = eta * magnitude.max(axis=1) + (1.0 - eta) * magnitude.mean(axis=1)
        metrics = {"td": td_loss, "q_value": q_taken.mean(), "aux": aux_loss, "priority": priority}
        return td_loss + aux_loss, metrics
