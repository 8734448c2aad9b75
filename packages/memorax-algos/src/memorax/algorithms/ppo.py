"""Proximal Policy Optimization with recurrent actor and critic (Schulman et al. 2017, arXiv:1707.06347).

Each update collects ``num_steps`` steps from ``num_envs`` envs, computes GAE(lambda)
advantages that stop at terminations and bootstrap through truncations from the
value of the true final observation, then runs ``update_epochs`` epochs of clipped
policy and (optionally clipped) value updates over ``num_minibatches`` minibatches.
Recurrent networks learn from whole env rows started from the carries saved at the
rollout start (after an optional no-gradient burn-in); stateless ones from shuffled
steps. ``evaluate`` acts with the policy's mode (deterministic).
"""

import dataclasses
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._config import check_fraction, check_positive, check_recurrent_minibatches, check_rollout, require, updates_for
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._logs import training_logs
from memorax.algorithms._network import apply_step, apply_with_aux_losses, init_params, is_recurrent
from memorax.algorithms._returns import episode_factors, generalized_advantage_estimation
from memorax.algorithms._rollout import reset_envs, rollout
from memorax.algorithms._tree import strong_types
from memorax.algorithms._update import gradient_step, run_epochs
from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import Logs
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey, PyTree


@dataclasses.dataclass(frozen=True)
class PPOConfig:
    """PPO hyperparameters (validated when built).

    Attributes:
        num_envs: parallel envs; num_steps: rollout length per update.
        gae_lambda: GAE trace parameter; gamma: discount.
        num_minibatches: minibatches per epoch (whole env rows for recurrent networks,
            so it must then divide ``num_envs``); update_epochs: passes over a rollout.
        normalize_advantage: standardise advantages per minibatch.
        clip_coefficient: ratio clip epsilon (also the value clip range).
        clip_value_loss: clip the value change around the rollout's values.
        entropy_coefficient: entropy bonus weight; value_coefficient: critic loss
            weight (matters with gradient clipping or plain SGD in the critic optimizer).
        burn_in_length: leading steps of each row only used to warm the carries up.
        target_kl: stop the epochs once an epoch's mean approximate KL exceeds it.

    Example:
        >>> config = PPOConfig(num_envs=8, num_steps=128, gae_lambda=0.95, num_minibatches=4,
        ...     update_epochs=4, normalize_advantage=True, clip_coefficient=0.2,
        ...     clip_value_loss=True, entropy_coefficient=0.01, burn_in_length=0)
    """

    num_envs: int = 8
    num_steps: int = 128
    gae_lambda: float = 0.95
    num_minibatches: int = 4
    update_epochs: int = 4
    normalize_advantage: bool = True
    clip_coefficient: float = 0.2
    clip_value_loss: bool = True
    entropy_coefficient: float = 0.01
    value_coefficient: float = 0.5
    gamma: float = 0.99
    burn_in_length: int = 0
    target_kl: float | None = None

    def __post_init__(self) -> None:
        check_rollout(self)
        check_fraction(self, "gae_lambda")
        check_positive(self, "clip_coefficient", "value_coefficient")
        name = type(self).__name__
        require(
            self.entropy_coefficient >= 0,
            f"{name}.entropy_coefficient must be >= 0, got {self.entropy_coefficient}.",
        )
        require(
            self.target_kl is None or self.target_kl > 0,
            f"{name}.target_kl must be None (no early stop) or > 0, got {self.target_kl}.",
        )

    @property
    def batch_size(self) -> int:
        """Env transitions per update: ``num_envs * num_steps``."""
        return self.num_envs * self.num_steps


@pytree_dataclass
class PPOState:
    """Everything PPO's training changes; per-env leaves have the env axis leading."""

    step: Array
    timestep: Timestep
    env_state: EnvState
    actor_params: Params
    actor_optimizer_state: optax.OptState
    actor_carry: Carry
    critic_params: Params
    critic_optimizer_state: optax.OptState
    critic_carry: Carry


class _Batch(NamedTuple):
    """One update's learning data, rows ``(B, T, ...)`` and rollout-start carries ``(B, ...)``."""

    timestep: Timestep
    critic_timestep: Timestep
    action: Array
    log_prob: Array
    value: Array
    advantage: Array
    target: Array
    actor_carry: Carry
    critic_carry: Carry


class PPO(JittedAlgorithm):
    """PPO over any memorax :class:`~memorax.networks.Network` actor and critic.

    The actor's head returns a distribution (``heads.Categorical`` or
    ``heads.Gaussian``), the critic's a value head (``heads.VNetwork``).

    Example:
        >>> agent = PPO(config, env, env_params, actor, critic, optax.adam(3e-4), optax.adam(3e-4))
        >>> state = agent.init(jax.random.key(0))
        >>> state, logs = agent.train(jax.random.key(1), state, 100_000)
        >>> eval_logs = agent.evaluate(jax.random.key(2), state, 10_000)
    """

    def __init__(
        self,
        config: PPOConfig,
        env: Any,
        env_params: EnvParams,
        actor: nn.Module,
        critic: nn.Module,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation,
    ) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        self.actor = actor
        self.critic = critic
        self.actor_optimizer = actor_optimizer
        self.critic_optimizer = critic_optimizer
        self._recurrent = any(
            is_recurrent(network.initialize_carry(jax.random.key(0), (1,))) for network in (actor, critic)
        )
        check_recurrent_minibatches(config, self._recurrent)
        self._centralised_critic = False
        super().__init__()

    # Hooks that MAPPO overrides to fold its agent axis into the batch.
    def _fold(self, tree: PyTree) -> PyTree:
        """Per-env arrays ``(N, ...)`` to network rows."""
        return tree

    def _unfold(self, tree: PyTree) -> PyTree:
        """Network rows back to per-env arrays ``(N, ...)``."""
        return tree

    def _rows(self, tree: PyTree) -> PyTree:
        """Rollout arrays ``(N, T, ...)`` to learning rows ``(rows, T, ...)``."""
        return tree

    def _num_rows(self) -> int:
        return self.config.num_envs

    def _critic_timestep(self, timestep: Timestep, env_state: EnvState) -> Timestep:
        """What the critic sees at a rollout step (network rows)."""
        return self._fold(timestep)

    def _next_critic_timestep(self, transition: Transition, env_state: EnvState) -> Timestep:
        """The critic's input for the true next observation (no reset: ``done`` false)."""
        return self._fold(
            Timestep(
                observation=transition.next_observation,
                action=transition.action,
                reward=transition.reward,
                done=jnp.zeros_like(transition.terminated),
            )
        )

    def _critic_sequence(self, transitions: Transition) -> Timestep:
        """The critic's input over the rollout, ``(N, T, ...)``."""
        return transitions.timestep

    def init(self, key: PRNGKey) -> PPOState:
        """Resets the envs and initialises networks, optimizers and fresh carries."""
        env_key, actor_key, critic_key, carry_key = jax.random.split(key, 4)
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, self.config.num_envs)
        actor_params = init_params(self.actor, actor_key, self._fold(timestep))
        critic_params = init_params(self.critic, critic_key, self._critic_timestep(timestep, env_state))
        actor_carry, critic_carry = self._initial_carries(carry_key)
        state = PPOState(
            step=jnp.zeros((), jnp.int32),
            timestep=timestep,
            env_state=env_state,
            actor_params=actor_params,
            actor_optimizer_state=self.actor_optimizer.init(actor_params),
            actor_carry=actor_carry,
            critic_params=critic_params,
            critic_optimizer_state=self.critic_optimizer.init(critic_params),
            critic_carry=critic_carry,
        )
        return strong_types(state)

    def _initial_carries(self, key: PRNGKey) -> tuple[Carry, Carry]:
        actor_key, critic_key = jax.random.split(key)
        rows = (self._num_rows(),)
        return self.actor.initialize_carry(actor_key, rows), self.critic.initialize_carry(critic_key, rows)

    def _act(
        self, actor_params: Params, critic_params: Params, deterministic: bool, key: PRNGKey,
        carry: tuple[Carry, Carry], timestep: Timestep, env_state: EnvState,
    ) -> tuple[tuple[Carry, Carry], Array, dict[str, Array]]:
        actor_carry, critic_carry = carry
        actor_carry, policy = apply_step(self.actor, actor_params, self._fold(timestep), actor_carry)
        if deterministic:
            return (actor_carry, critic_carry), self._unfold(policy.mode()[:, 0]), {}
        action, log_prob = policy.sample_and_log_prob(seed=key)
        critic_timestep = self._critic_timestep(timestep, env_state)
        critic_carry, value = apply_step(self.critic, critic_params, critic_timestep, critic_carry)
        aux = {"log_prob": log_prob[:, 0], "value": self.critic.head.value(value)[:, 0]}
        aux = {name: self._unfold(x) for name, x in aux.items()}
        if self._centralised_critic:
            aux["critic_observation"] = self._unfold(critic_timestep.observation)
        return (actor_carry, critic_carry), self._unfold(action[:, 0]), aux

    def _bootstrap(
        self, critic_params: Params, carry: tuple[Carry, Carry], transition: Transition, env_state: EnvState
    ) -> dict[str, Array]:
        _, value = apply_step(
            self.critic, critic_params, self._next_critic_timestep(transition, env_state), carry[1]
        )
        return {"next_value": self._unfold(self.critic.head.value(value)[:, 0])}

    def _train(self, key: PRNGKey, state: PPOState, num_steps: int) -> tuple[PPOState, Logs]:
        num_updates = updates_for(self.config, num_steps, self.config.batch_size)
        state, (episodes, losses) = jax.lax.scan(self._update, state, jax.random.split(key, num_updates))
        return state, training_logs(state.step, episodes, losses)

    def _update(self, state: PPOState, key: PRNGKey) -> tuple[PPOState, tuple[dict, dict]]:
        config = self.config
        rollout_key, epoch_key = jax.random.split(key)
        start_carries = (state.actor_carry, state.critic_carry)
        result = rollout(
            rollout_key,
            self.env,
            self.env_params,
            lambda *args: self._act(state.actor_params, state.critic_params, False, *args),
            state.env_state,
            state.timestep,
            start_carries,
            config.num_steps,
            bootstrap=lambda *args: self._bootstrap(state.critic_params, *args),
        )
        batch = self._batch(result.transitions, start_carries)
        stop = None
        if config.target_kl is not None:
            stop = lambda metrics: metrics["approx_kl"] > config.target_kl
        params = (state.actor_params, state.actor_optimizer_state, state.critic_params, state.critic_optimizer_state)
        params, metrics = run_epochs(
            epoch_key, params, batch, self._minibatch_update, config.update_epochs,
            config.num_minibatches, self._recurrent, stop,
        )
        actor_params, actor_optimizer_state, critic_params, critic_optimizer_state = params
        actor_carry, critic_carry = result.carry
        state = state.replace(
            step=state.step + config.batch_size,
            timestep=result.timestep,
            env_state=result.env_state,
            actor_params=actor_params,
            actor_optimizer_state=actor_optimizer_state,
            actor_carry=actor_carry,
            critic_params=critic_params,
            critic_optimizer_state=critic_optimizer_state,
            critic_carry=critic_carry,
        )
        return state, (result.logs, metrics)

    def _batch(self, transitions: Transition, start_carries: tuple[Carry, Carry]) -> _Batch:
        aux = transitions.aux
        discount, trace = episode_factors(
            transitions.terminated, transitions.truncated, self.config.gamma, self.config.gae_lambda
        )
        rows = self._rows((transitions.reward, discount, trace, aux["value"], aux["next_value"]))
        advantage = jax.vmap(generalized_advantage_estimation)(*rows)
        value = rows[3]
        actor_carry, critic_carry = start_carries
        return _Batch(
            timestep=self._rows(transitions.timestep),
            critic_timestep=self._rows(self._critic_sequence(transitions)),
            action=self._rows(transitions.action),
            log_prob=self._rows(aux["log_prob"]),
            value=value,
            advantage=advantage,
            target=advantage + value,
            actor_carry=actor_carry,
            critic_carry=critic_carry,
        )

    def _minibatch_update(self, params: tuple, batch: _Batch) -> tuple[tuple, dict[str, Array]]:
        actor_params, actor_optimizer_state, critic_params, critic_optimizer_state = params
        actor_params, actor_optimizer_state, actor_metrics = gradient_step(
            self._actor_loss, self.actor_optimizer, actor_params, actor_optimizer_state, batch
        )
        critic_params, critic_optimizer_state, critic_metrics = gradient_step(
            self._critic_loss, self.critic_optimizer, critic_params, critic_optimizer_state, batch
        )
        params = (actor_params, actor_optimizer_state, critic_params, critic_optimizer_state)
        return params, {**actor_metrics, **critic_metrics}

    def _actor_loss(self, params: Params, batch: _Batch) -> tuple[Array, dict[str, Array]]:
        config = self.config
        warm, (timestep, action, old_log_prob, advantage) = split_burn_in(
            (batch.timestep, batch.action, batch.log_prob, batch.advantage), config.burn_in_length
        )
        carry = burn_in(self.actor, params, warm[0], batch.actor_carry)
        _, policy, aux_loss = apply_with_aux_losses(self.actor, params, timestep, carry)
        log_prob = policy.log_prob(action)
        if config.normalize_advantage:
            advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
        log_ratio = log_prob - old_log_prob
        ratio = jnp.exp(log_ratio)
        clipped = jnp.clip(ratio, 1.0 - config.clip_coefficient, 1.0 + config.clip_coefficient)
        policy_loss = -jnp.minimum(ratio * advantage, clipped * advantage).mean()
        entropy = policy.entropy().mean()
        loss = policy_loss - config.entropy_coefficient * entropy + aux_loss
        return loss, {
            "actor": policy_loss,
            "entropy": entropy,
            "approx_kl": ((ratio - 1.0) - log_ratio).mean(),
            "clip_fraction": (jnp.abs(ratio - 1.0) > config.clip_coefficient).mean(),
            "actor_aux": aux_loss,
        }

    def _critic_loss(self, params: Params, batch: _Batch) -> tuple[Array, dict[str, Array]]:
        config = self.config
        warm, (timestep, old_value, target) = split_burn_in(
            (batch.critic_timestep, batch.value, batch.target), config.burn_in_length
        )
        carry = burn_in(self.critic, params, warm[0], batch.critic_carry)
        _, output, aux_loss = apply_with_aux_losses(self.critic, params, timestep, carry)
        if config.clip_value_loss:
            value = self.critic.head.value(output)
            clipped = old_value + jnp.clip(value - old_value, -config.clip_coefficient, config.clip_coefficient)
            value_loss = 0.5 * jnp.maximum(jnp.square(value - target), jnp.square(clipped - target)).mean()
        else:
            value_loss = self.critic.head.loss(output, target).mean()
        loss = config.value_coefficient * value_loss + aux_loss
        return loss, {"critic": value_loss, "critic_aux": aux_loss}

    def _evaluate(self, key: PRNGKey, state: PPOState, num_steps: int) -> Logs:
        carry_key, run_key = jax.random.split(key)
        return evaluation_logs(
            run_key,
            self.env,
            self.env_params,
            lambda *args: self._act(state.actor_params, state.critic_params, True, *args),
            self._initial_carries(carry_key),
            self.config.num_envs,
            num_steps,
            state.step,
        )
