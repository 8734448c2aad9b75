"""Stored-state sequence Q-learning: the mechanism behind DQN and R2D2.

A replayed window holds ``config.replay_length`` steps and the carry stored before its
first step; its first ``burn_in_length`` steps only warm carries up and the next
``config.learning_steps`` are in the loss. The window is unrolled in whole-sequence
network calls, so memoroid torsos use their scan: the online network from the stored
carry through the burn-in (no gradient) and then once over the rest; the target
network once over the whole window from the same stored carry. Values at the true
next observations come from the same unrolls shifted by one step; only truncated
steps, whose final observation the window does not hold, are replayed for it
(:func:`memorax.algorithms._unroll.next_outputs`). Each learning step is regressed on
its n-step double-Q target, shortened to the steps the window holds near its end
(:func:`memorax.algorithms._targets.n_step_bootstrap`); with a ``heads.C51QNetwork``
the target is the categorical projection of the n-step return distribution and the
loss its cross-entropy (Bellemare et al. 2017). R2D2 also rescales values with ``h``
and mixes per-window priorities ``eta * max |delta| + (1 - eta) * mean |delta|``
(Kapturowski et al. 2019; C51 uses the per-step cross-entropy as ``|delta|``).
"""

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._config import require
from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._exploration import epsilon_greedy
from memorax.algorithms._network import (
    apply_sequence, apply_step, apply_with_aux_losses, init_params, is_recurrent, with_action_space,
)
from memorax.algorithms._off_policy import (
    Buffer,
    OffPolicyAlgorithm,
    check_buffer,
    check_burn_in,
    default_buffer,
    stored_carry,
)
from memorax.algorithms._rollout import Act, reset_envs
from memorax.algorithms._steps import StepCount
from memorax.algorithms._targets import inverse_value_rescale, n_step_bootstrap, update_target, value_rescale
from memorax.algorithms._tree import strong_types
from memorax.algorithms._unroll import expand_like, next_outputs, next_timesteps
from memorax.algorithms._update import gradient_step
from memorax.buffers import PrioritisedEpisodeBuffer, importance_weights
from memorax.core.dataclass import pytree_dataclass
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey
from memorax.networks.heads import C51QNetwork

Schedule = Callable[[Array], Array]


@pytree_dataclass
class QLearningState:
    """Everything DQN/R2D2 training changes; per-env leaves have the env axis leading.

    ``carry`` is the acting carry; ``step`` counts env transitions done by ``train``
    (a :class:`~memorax.algorithms.StepCount`, exact beyond int32).
    """

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "carry", "buffer_state")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    step: StepCount
    timestep: Timestep
    env_state: EnvState
    carry: Carry
    params: Params
    target_params: Params
    optimizer_state: optax.OptState
    buffer_state: Any


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
        self.q_network = with_action_space(q_network, env, env_params)
        self.optimizer = optimizer
        check_burn_in(config, is_recurrent(q_network.initialize_carry(jax.random.key(0), (1,))))
        window = config.replay_length
        self._distributional = isinstance(q_network.head, C51QNetwork)
        require(
            not (self._distributional and config.value_rescaling),
            f"{type(config).__name__}.value_rescaling=True with a C51QNetwork head: C51's support is in "
            "return units, set value_rescaling=False (and v_min/v_max to the return range).",
        )
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
            step=StepCount.of(0),
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
            epsilon = self.epsilon_schedule(state.step.as_float())

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
            weights = importance_weights(sample.probabilities, self.beta_schedule(state.step.as_float()))
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
        config, network = self.config, self.q_network
        head = network.head
        carry = stored_carry(window)
        warm, rest = split_burn_in(window, config.burn_in_length)
        # Only truncations need the final observation's value; terminations never bootstrap.
        ends = window.truncated & ~window.terminated
        probes = next_timesteps(window)
        # Online: burn-in without gradient, then the rest in one call. Target: the whole window in one call.
        online_carry = burn_in(network, params, warm.timestep, carry)
        online_final, output, aux_loss = apply_with_aux_losses(network, params, rest.timestep, online_carry)
        rest_probes, rest_ends = split_burn_in((probes, ends), config.burn_in_length)[1]
        next_online = next_outputs(
            network, params, rest.timestep, online_carry, output, online_final, rest_probes, rest_ends
        )
        target_final, target_output = apply_sequence(network, target_params, window.timestep, carry)
        learn_ends = ends.at[:, : config.burn_in_length].set(False)  # burn-in values are never read
        next_target = next_outputs(
            network, target_params, window.timestep, carry, target_output, target_final, probes, learn_ends
        )
        next_target = split_burn_in(next_target, config.burn_in_length)[1]

        chooser = head.q_values(next_online) if config.double_q else head.q_values(next_target)
        greedy = jnp.argmax(chooser, axis=-1)
        discount = config.gamma * (1.0 - rest.terminated.astype(jnp.float32))
        trace = 1.0 - rest.truncated.astype(jnp.float32)
        total, scale, index = jax.vmap(functools.partial(n_step_bootstrap, n_step=config.n_step))(
            rest.reward, discount, trace
        )
        learn = config.learning_steps
        action = rest.action[:, :learn].astype(jnp.int32)
        at_bootstrap = lambda x: jnp.take_along_axis(x, expand_like(index, x), axis=1)[:, :learn]
        if self._distributional:
            next_logits = jnp.take_along_axis(next_target, greedy[..., None, None], axis=-2)[..., 0, :]
            target = head.project(at_bootstrap(next_logits), total[:, :learn], scale[:, :learn])
            per_step = head.loss(output[:, :learn], action, target)
            magnitude = jax.lax.stop_gradient(per_step)
            q_taken = jnp.take_along_axis(head.q_values(output[:, :learn]), action[..., None], axis=-1)[..., 0]
        else:
            next_value = jnp.take_along_axis(head.q_values(next_target), greedy[..., None], axis=-1)[..., 0]
            if config.value_rescaling:
                next_value = inverse_value_rescale(next_value)
            returns = total[:, :learn] + scale[:, :learn] * at_bootstrap(next_value)
            if config.value_rescaling:
                returns = value_rescale(returns)
            q_values = head.q_values(output[:, :learn])
            q_taken = jnp.take_along_axis(q_values, action[..., None], axis=-1)[..., 0]
            td = q_taken - jax.lax.stop_gradient(returns)
            per_step = 0.5 * jnp.square(td)
            magnitude = jnp.abs(jax.lax.stop_gradient(td))
        td_loss = jnp.mean(weights[:, None] * per_step)
        eta = config.priority_eta
        priority = eta * magnitude.max(axis=1) + (1.0 - eta) * magnitude.mean(axis=1)
        metrics = {"td": td_loss, "q_value": q_taken.mean(), "aux": aux_loss, "priority": priority}
        return td_loss + aux_loss, metrics
