"""QRC: Q-learning with regularized corrections, updated online from every vector step.

Ghiassian, Patterson, Garg, Gupta, White and White 2020, "Gradient Temporal-Difference
Learning with Regularized Corrections" (ICML). QRC is TDC for control with TDRC's
regularised secondary weights. For the transition ``(o, a, r, o')`` of each env,

    delta = r + gamma * (1 - terminated) * max_b Q(o', b) - Q(o, a)
    theta <- theta + alpha * [delta * grad Q(o, a) - gamma * (1 - terminated) * h(o, a) * grad Q(o', a*)]
    h     <- h + alpha * [(delta - h(o, a)) * grad h(o, a)] - alpha * beta * theta_h

with ``a* = argmax_b Q(o', b)`` and ``o'`` the true next observation (the final one
where a time limit cut the episode, so truncations bootstrap). Both updates are the
negative gradient of one surrogate loss averaged over the envs, so any optax optimizer
can take the step (``optax.sgd(alpha)`` gives the paper's update exactly). ``h`` is a
second Q head on the Q-network's torso, built here (see ``_correction.py``).

Every vector step is one update on the ``num_envs`` transitions just collected (no
replay). Recurrent torsos therefore learn online, through :class:`~memorax.networks.RTRL`
(``RTRL(RNN(cell=RTUCell(...)))``, ``RTRL(Memoroid(cell=LRUCell(...)))``): their carries
hold the sensitivities, so the gradient at each step, with the carry as data, is the
full-history gradient. Stored carries with replay would need sequences, which this
streaming method does not keep; any other recurrent torso gets one-step truncated
gradients. Exploration is epsilon-greedy; ``evaluate`` acts greedily.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._config import check_fraction, check_positive, require
from memorax.algorithms._correction import correction_norm, with_correction
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._exploration import epsilon_greedy
from memorax.algorithms._logs import episode_logs
from memorax.algorithms._network import apply_step, apply_with_aux_losses, init_params, with_action_space
from memorax.algorithms._rollout import reset_envs, step_envs
from memorax.algorithms._steps import StepCount
from memorax.algorithms._streaming import train_every_step
from memorax.algorithms._tree import strong_types
from memorax.algorithms._update import gradient_step
from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import Logs
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey
from memorax.networks import heads


@dataclasses.dataclass(frozen=True)
class QRCConfig:
    """QRC hyperparameters (validated when built).

    Attributes:
        num_envs: parallel envs; each vector step is one update on their transitions.
        gamma: discount.
        regularization_coefficient: beta, the pull of ``h``'s weights towards zero
            (TDRC's default 1.0; 0 gives TDC/GQ's unregularised correction).
        epsilon_start, epsilon_finish, epsilon_decay_steps: the default linear
            exploration schedule over env steps (used when QRC gets no schedule).

    Example:
        >>> config = QRCConfig(num_envs=16, regularization_coefficient=1.0)
    """

    num_envs: int = 16
    gamma: float = 0.99
    regularization_coefficient: float = 1.0
    epsilon_start: float = 1.0
    epsilon_finish: float = 0.05
    epsilon_decay_steps: int = 50_000

    def __post_init__(self) -> None:
        check_positive(self, "num_envs", "epsilon_decay_steps")
        check_fraction(self, "gamma", "epsilon_start", "epsilon_finish")
        require(
            self.regularization_coefficient >= 0,
            f"QRCConfig.regularization_coefficient must be >= 0, got {self.regularization_coefficient}.",
        )


@pytree_dataclass
class QRCState:
    """Everything QRC's training changes; per-env leaves have the env axis leading."""

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "carry")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    step: StepCount
    timestep: Timestep
    env_state: EnvState
    params: Params
    optimizer_state: optax.OptState
    carry: Carry


class QRC(JittedAlgorithm):
    """QRC over a memorax Network whose head returns Q-values (``heads.DiscreteQNetwork``).

    The network gets a second ``DiscreteQNetwork`` head for ``h``; ``state.params`` hold
    both. ``epsilon_schedule(step) -> epsilon`` maps env steps done to the exploration
    rate; by default a linear decay built from the config.

    Example:
        >>> agent = QRC(QRCConfig(), env, env_params, q_network, optax.adam(1e-3))
        >>> state = agent.init(jax.random.key(0))
        >>> state, logs = agent.train(jax.random.key(1), state, 100_000)
    """

    def __init__(
        self,
        config: QRCConfig,
        env: Any,
        env_params: EnvParams,
        q_network: nn.Module,
        optimizer: optax.GradientTransformation,
        epsilon_schedule: Callable[[Array], Array] | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        num_actions = env.action_space(env_params).n
        correction = heads.DiscreteQNetwork(action_dim=num_actions, kernel_init=nn.initializers.zeros)
        self.q_network = with_correction(with_action_space(q_network, env, env_params), correction)
        self.optimizer = optimizer
        self.epsilon_schedule = epsilon_schedule or optax.linear_schedule(
            config.epsilon_start, config.epsilon_finish, config.epsilon_decay_steps
        )
        super().__init__()

    def init(self, key: PRNGKey) -> QRCState:
        """Resets the envs; initialises the network (with its zero ``h`` head), optimizer and carries."""
        env_key, params_key, carry_key = jax.random.split(key, 3)
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, self.config.num_envs)
        params = init_params(self.q_network, params_key, timestep)
        state = QRCState(
            step=StepCount.of(0),
            timestep=timestep,
            env_state=env_state,
            params=params,
            optimizer_state=self.optimizer.init(params),
            carry=self.q_network.initialize_carry(carry_key, (self.config.num_envs,)),
        )
        return strong_types(state)

    def _act(self, params: Params, epsilon: Array, key: PRNGKey, carry: Carry, timestep: Timestep,
             env_state: EnvState) -> tuple[Carry, Array, dict[str, Array]]:
        carry, output = apply_step(self.q_network, params, timestep, carry)
        q_values = self.q_network.head.q_values(output)[:, 0]
        return carry, epsilon_greedy(key, q_values, epsilon, timestep.action.dtype), {}

    def _train(self, key: PRNGKey, state: QRCState, num_steps: int) -> tuple[QRCState, Logs]:
        return train_every_step(self._step, key, state, num_steps, self.config)

    def _step(self, state: QRCState, key: PRNGKey) -> tuple[QRCState, tuple[dict, dict]]:
        act_key, env_key = jax.random.split(key)
        epsilon = self.epsilon_schedule(state.step.as_float())
        carry, action, _ = self._act(state.params, epsilon, act_key, state.carry, state.timestep, state.env_state)
        timestep, env_state, transition, info = step_envs(
            env_key, self.env, self.env_params, state.env_state, state.timestep, action
        )
        params, optimizer_state, metrics = gradient_step(
            self._loss, self.optimizer, state.params, state.optimizer_state, transition, state.carry
        )
        state = state.replace(
            step=state.step + self.config.num_envs,
            timestep=timestep,
            env_state=env_state,
            params=params,
            optimizer_state=optimizer_state,
            carry=carry,
        )
        return state, (episode_logs(info), {**metrics, "epsilon": jnp.asarray(epsilon, jnp.float32)})

    def _loss(self, params: Params, transition: Transition, carry: Carry) -> tuple[Array, dict[str, Array]]:
        """The surrogate whose negative gradient is QRC's update, on ``(o_t, o_{t+1})`` from ``carry``.

        The network runs on the two-step sequence ``o_t`` then the true next observation
        (a continuation, ``done`` false), so ``o_{t+1}`` is seen from the carry after ``o_t``.
        """
        config = self.config
        following = Timestep(
            transition.next_observation, transition.action, transition.reward, jnp.zeros_like(transition.terminated)
        )
        sequence = jax.tree.map(lambda now, then: jnp.stack([now, then], axis=1), transition.timestep, following)
        _, output, aux_loss = apply_with_aux_losses(self.q_network, params, sequence, carry)
        q_values, correction = self.q_network.head.q_values(output), output[1]  # (N, 2, A) each
        action = transition.action.astype(jnp.int32)[:, None]
        q_taken = jnp.take_along_axis(q_values[:, 0], action, axis=-1)[:, 0]
        h_taken = jnp.take_along_axis(correction[:, 0], action, axis=-1)[:, 0]
        best = jnp.argmax(jax.lax.stop_gradient(q_values[:, 1]), axis=-1)[:, None]
        q_next = jnp.take_along_axis(q_values[:, 1], best, axis=-1)[:, 0]
        discount = config.gamma * (1.0 - transition.terminated.astype(jnp.float32))
        delta = jax.lax.stop_gradient(transition.reward + discount * q_next - q_taken)
        value_loss = jnp.mean(-delta * q_taken + discount * jax.lax.stop_gradient(h_taken) * q_next)
        correction_loss = 0.5 * jnp.mean(jnp.square(delta - h_taken))
        regularization = 0.5 * config.regularization_coefficient * correction_norm(params)
        loss = value_loss + correction_loss + regularization + aux_loss
        return loss, {
            "td_error": jnp.mean(jnp.square(delta)),
            "correction": correction_loss,
            "q_value": jnp.mean(q_taken),
        }

    def _evaluate(self, key: PRNGKey, state: QRCState, num_steps: int) -> Logs:
        carry_key, run_key = jax.random.split(key)
        return evaluation_logs(
            run_key,
            self.env,
            self.env_params,
            lambda *args: self._act(state.params, jnp.float32(0.0), *args),
            self.q_network.initialize_carry(carry_key, (self.config.num_envs,)),
            self.config.num_envs,
            num_steps,
            state.step,
        )
