"""PQN: on-policy Q(lambda) with parallel envs and no target network or replay.

Gallici et al. 2024, "Simplifying Deep Temporal Difference Learning" (arXiv:2407.04811).
Each update collects ``num_steps`` epsilon-greedy steps from ``num_envs`` envs,
computes Q(lambda) returns bootstrapping from ``max_a Q(o_{t+1}, a)`` of the true next
observation (stopping at terminations, bootstrapping through truncations), and
regresses ``Q(o_t, a_t)`` on them for ``update_epochs`` epochs of ``num_minibatches``
minibatches (whole env rows from the rollout-start carry for recurrent networks).
``evaluate`` acts greedily.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._config import (
    check_fraction,
    check_positive,
    check_recurrent_minibatches,
    check_rollout,
    require,
    updates_for,
)
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._exploration import epsilon_greedy
from memorax.algorithms._logs import training_logs
from memorax.algorithms._network import apply_step, apply_with_aux_losses, init_params, is_recurrent, with_action_space
from memorax.algorithms._returns import episode_factors, lambda_returns
from memorax.algorithms._rollout import reset_envs, rollout
from memorax.algorithms._steps import StepCount
from memorax.algorithms._tree import strong_types
from memorax.algorithms._update import gradient_step, run_epochs
from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import Logs
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey
from memorax.networks.heads import C51QNetwork


@dataclasses.dataclass(frozen=True)
class PQNConfig:
    """PQN hyperparameters (validated when built).

    Attributes:
        num_envs, num_steps: parallel envs and rollout length per update.
        td_lambda: Q(lambda) trace parameter; gamma: discount.
        num_minibatches, update_epochs: as in PPO (minibatches are whole env rows for
            recurrent networks, so ``num_minibatches`` must then divide ``num_envs``).
        burn_in_length: leading steps of each row only used to warm the carry up.
        epsilon_start, epsilon_finish, epsilon_decay_steps: the default linear
            exploration schedule over env steps (used when PQN gets no schedule).
    """

    num_envs: int = 32
    num_steps: int = 32
    td_lambda: float = 0.65
    num_minibatches: int = 4
    update_epochs: int = 4
    gamma: float = 0.99
    burn_in_length: int = 0
    epsilon_start: float = 1.0
    epsilon_finish: float = 0.05
    epsilon_decay_steps: int = 100_000

    def __post_init__(self) -> None:
        check_rollout(self)
        check_fraction(self, "td_lambda", "epsilon_start", "epsilon_finish")
        check_positive(self, "epsilon_decay_steps")

    @property
    def batch_size(self) -> int:
        """Env transitions per update: ``num_envs * num_steps``."""
        return self.num_envs * self.num_steps


@pytree_dataclass
class PQNState:
    """Everything PQN's training changes; per-env leaves have the env axis leading."""

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "carry")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    step: StepCount
    timestep: Timestep
    env_state: EnvState
    params: Params
    optimizer_state: optax.OptState
    carry: Carry


class _Batch(NamedTuple):
    timestep: Timestep
    action: Array
    target: Array
    carry: Carry


class PQN(JittedAlgorithm):
    """PQN over a memorax Network whose head returns Q-values (``heads.DiscreteQNetwork``).

    A ``heads.C51QNetwork`` is refused (``ValueError``): PQN has no distributional
    lambda-return target, and regressing C51's expectation would not train its loss.

    ``epsilon_schedule(step) -> epsilon`` maps env steps done to the exploration rate;
    by default a linear decay built from the config.

    Example:
        >>> agent = PQN(PQNConfig(), env, env_params, q_network, optax.radam(3e-4))
        >>> state = agent.init(jax.random.key(0))
        >>> state, logs = agent.train(jax.random.key(1), state, 100_352)
    """

    def __init__(
        self,
        config: PQNConfig,
        env: Any,
        env_params: EnvParams,
        q_network: nn.Module,
        optimizer: optax.GradientTransformation,
        epsilon_schedule: Callable[[Array], Array] | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        self.q_network = with_action_space(q_network, env, env_params)
        self.optimizer = optimizer
        if epsilon_schedule is None:
            epsilon_schedule = optax.linear_schedule(
                config.epsilon_start, config.epsilon_finish, config.epsilon_decay_steps
            )
        self.epsilon_schedule = epsilon_schedule
        self._recurrent = is_recurrent(q_network.initialize_carry(jax.random.key(0), (1,)))
        check_recurrent_minibatches(config, self._recurrent)
        require(
            not isinstance(q_network.head, C51QNetwork),
            "PQN regresses Q-values on lambda-returns, so a C51QNetwork head would be trained as an "
            "expectation regressor and never by its own loss; use heads.DiscreteQNetwork with PQN, or DQN/R2D2, "
            "which train C51 by the categorical projection of the n-step target.",
        )
        super().__init__()

    def init(self, key: PRNGKey) -> PQNState:
        """Resets the envs and initialises the Q-network, optimizer and fresh carries."""
        env_key, params_key, carry_key = jax.random.split(key, 3)
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, self.config.num_envs)
        params = init_params(self.q_network, params_key, timestep)
        state = PQNState(
            step=StepCount.of(0),
            timestep=timestep,
            env_state=env_state,
            params=params,
            optimizer_state=self.optimizer.init(params),
            carry=self.q_network.initialize_carry(carry_key, (self.config.num_envs,)),
        )
        return strong_types(state)

    def _q_values(self, params: Params, timestep: Timestep, carry: Carry) -> tuple[Carry, Array]:
        carry, output = apply_step(self.q_network, params, timestep, carry)
        return carry, self.q_network.head.q_values(output)[:, 0]

    def _act(
        self, params: Params, epsilon: Array, key: PRNGKey, carry: Carry, timestep: Timestep, env_state: EnvState
    ) -> tuple[Carry, Array, dict[str, Array]]:
        carry, q_values = self._q_values(params, timestep, carry)
        return carry, epsilon_greedy(key, q_values, epsilon, timestep.action.dtype), {}

    def _bootstrap(self, params: Params, carry: Carry, transition: Transition, env_state: EnvState) -> dict[str, Array]:
        next_timestep = Timestep(
            observation=transition.next_observation,
            action=transition.action,
            reward=transition.reward,
            done=jnp.zeros_like(transition.terminated),
        )
        _, q_values = self._q_values(params, next_timestep, carry)
        return {"next_value": jnp.max(q_values, axis=-1)}

    def _train(self, key: PRNGKey, state: PQNState, num_steps: int) -> tuple[PQNState, Logs]:
        num_updates = updates_for(self.config, num_steps, self.config.batch_size)
        state, (episodes, losses) = jax.lax.scan(self._update, state, jax.random.split(key, num_updates))
        return state, training_logs(state.step, episodes, losses)

    def _update(self, state: PQNState, key: PRNGKey) -> tuple[PQNState, tuple[dict, dict]]:
        config = self.config
        rollout_key, epoch_key = jax.random.split(key)
        epsilon = self.epsilon_schedule(state.step.as_float())
        result = rollout(
            rollout_key,
            self.env,
            self.env_params,
            lambda *args: self._act(state.params, epsilon, *args),
            state.env_state,
            state.timestep,
            state.carry,
            config.num_steps,
            bootstrap=lambda *args: self._bootstrap(state.params, *args),
        )
        transitions = result.transitions
        discount, trace = episode_factors(transitions.terminated, transitions.truncated, config.gamma, config.td_lambda)
        target = jax.vmap(lambda_returns)(transitions.reward, discount, trace, transitions.aux["next_value"])
        batch = _Batch(transitions.timestep, transitions.action, target, state.carry)
        (params, optimizer_state), metrics = run_epochs(
            epoch_key, (state.params, state.optimizer_state), batch, self._minibatch_update,
            config.update_epochs, config.num_minibatches, self._recurrent,
        )
        state = state.replace(
            step=state.step + config.batch_size,
            timestep=result.timestep,
            env_state=result.env_state,
            params=params,
            optimizer_state=optimizer_state,
            carry=result.carry,
        )
        return state, (result.logs, metrics)

    def _minibatch_update(self, params: tuple, batch: _Batch) -> tuple[tuple, dict[str, Array]]:
        params, optimizer_state, metrics = gradient_step(self._loss, self.optimizer, *params, batch)
        return (params, optimizer_state), metrics

    def _loss(self, params: Params, batch: _Batch) -> tuple[Array, dict[str, Array]]:
        warm, (timestep, action, target) = split_burn_in(
            (batch.timestep, batch.action, batch.target), self.config.burn_in_length
        )
        carry = burn_in(self.q_network, params, warm[0], batch.carry)
        _, output, aux_loss = apply_with_aux_losses(self.q_network, params, timestep, carry)
        q_values = self.q_network.head.q_values(output)
        q_taken = jnp.take_along_axis(q_values, action[..., None].astype(jnp.int32), axis=-1)[..., 0]
        td_loss = 0.5 * jnp.square(q_taken - target).mean()
        return td_loss + aux_loss, {"td": td_loss, "q_value": q_taken.mean(), "aux": aux_loss}

    def _evaluate(self, key: PRNGKey, state: PQNState, num_steps: int) -> Logs:
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
