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
from typing import Any, ClassVar, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._config import check_fraction, check_positive, check_recurrent_minibatches, check_rollout, require, updates_for
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._logs import training_logs
from memorax.algorithms._network import apply_step, apply_with_aux_losses, init_params, is_recurrent, with_action_space
from memorax.algorithms._returns import episode_factors, generalized_advantage_estimation, next_values
from memorax.algorithms._rollout import Rollout, reset_envs, rollout, when_truncated
from memorax.algorithms._steps import StepCount
from memorax.algorithms._tree import strong_types
from memorax.algorithms._update import gradient_step, joint_optimizer, run_epochs
from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import Logs
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey, PyTree
from memorax.networks.heads import ActorCritic, HLGaussVNetwork


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
        clip_value_loss: clip the value change around the rollout's values (a squared-error
            form; refused with an ``HLGaussVNetwork`` critic, whose own cross-entropy is used
            when this is False).
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
    """Everything PPO's training changes; per-env leaves have the env axis leading.

    With a shared network (``critic=None``) the ``critic_*`` fields are ``None``.
    """

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "actor_carry", "critic_carry")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

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
    """One update's learning data, rows ``(B, T, ...)`` and rollout-start carries ``(B, ...)``.

    ``critic_timestep`` and ``critic_carry`` are ``None`` with a shared network;
    ``active`` is ``None`` unless some rows' steps must be left out of the losses
    (MAPPO's dead agents).
    """

    timestep: Timestep
    critic_timestep: Timestep | None
    action: Array
    log_prob: Array
    value: Array
    advantage: Array
    target: Array
    active: Array | None
    actor_carry: Carry
    critic_carry: Carry


def _over_rows(fn: Any, *xs: Array) -> Array:
    """``fn`` on every ``(T,)`` row of ``(R, T, ...)`` arrays (trailing axes such as a kept agent
    axis are rows too); ``(R, ...)`` arguments are one scalar per row. Returns ``(R, T, ...)``."""
    first = xs[0]
    to_rows = lambda x: jnp.reshape(jnp.moveaxis(x, 1, -1), (-1, first.shape[1])) if x.ndim == first.ndim else jnp.ravel(x)
    out = jax.vmap(fn)(*map(to_rows, xs))
    return jnp.moveaxis(jnp.reshape(out, (first.shape[0], *first.shape[2:], first.shape[1])), -1, 1)


def _mean(x: Array, mask: Array | None) -> Array:
    """Mean of ``x`` over the entries where ``mask`` is set (all entries without a mask)."""
    if mask is None:
        return x.mean()
    return jnp.sum(jnp.where(mask, x, 0.0)) / jnp.maximum(jnp.sum(mask), 1)


class PPO(JittedAlgorithm):
    """PPO over any memorax :class:`~memorax.networks.Network` actor and critic.

    The actor's head returns a distribution (``heads.Categorical`` or
    ``heads.Gaussian``), the critic's a value head (``heads.VNetwork`` or
    ``heads.HLGaussVNetwork``, each trained by its own ``head.loss``). With
    ``critic=None`` and ``critic_optimizer=None`` the actor is one network whose head is
    ``heads.ActorCritic(policy=..., value=...)``: one torso pass gives both outputs and
    one optimizer step minimises ``actor loss + value_coefficient * critic loss``.
    Separate networks are also differentiated in one pass of that joint loss, each
    stepped by its own optimizer.

    Example:
        >>> agent = PPO(config, env, env_params, actor, critic, optax.adam(3e-4), optax.adam(3e-4))
        >>> shared = PPO(config, env, env_params, actor_critic, None, optax.adam(3e-4), None)
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
        critic: nn.Module | None,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation | None,
    ) -> None:
        name = type(self).__name__
        require(
            (critic is None) == (critic_optimizer is None),
            f"{name} got critic={'None' if critic is None else type(critic).__name__} and critic_optimizer="
            f"{'None' if critic_optimizer is None else 'an optimizer'}: pass both (separate actor and critic) "
            "or neither (one network with heads.ActorCritic(policy=..., value=...) trained by actor_optimizer).",
        )
        self._shared = critic is None
        require(
            isinstance(actor.head, ActorCritic) == self._shared,
            f"{name}: with critic=None the actor must have heads.ActorCritic(policy=..., value=...) as its head, "
            f"got {type(actor.head).__name__}." if self._shared else
            f"{name}: an actor with heads.ActorCritic already has a value head; pass critic=None and "
            "critic_optimizer=None to train it as one network.",
        )
        self.config = config
        self.env = env
        self.env_params = env_params
        self.actor = with_action_space(actor, env, env_params)
        self.critic = with_action_space(critic, env, env_params)
        self.actor_optimizer = actor_optimizer
        self.critic_optimizer = critic_optimizer
        self._value_head = actor.head.value if self._shared else critic.head
        require(
            not (config.clip_value_loss and isinstance(self._value_head, HLGaussVNetwork)),
            f"{type(config).__name__}.clip_value_loss=True clips a squared error, but an HLGaussVNetwork critic "
            "is trained by its HL-Gauss cross-entropy, which has no clipped form; set clip_value_loss=False.",
        )
        self._optimizer = actor_optimizer if self._shared else joint_optimizer(actor_optimizer, critic_optimizer)
        self._recurrent = any(
            is_recurrent(network.initialize_carry(jax.random.key(0), (1,))) for network in self._networks()
        )
        check_recurrent_minibatches(config, self._recurrent)
        self._centralised_critic = False
        super().__init__()

    # GradientPPO learns from chunks that start at carries stored with every transition.
    _store_carry = False

    def _networks(self) -> tuple[nn.Module, ...]:
        return (self.actor,) if self._shared else (self.actor, self.critic)

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

    def _active(self, transitions: Transition) -> Array | None:
        """Learning rows' steps that enter the losses, ``(rows, T)`` bool, or ``None`` for all."""
        return None

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
        critic_params = None
        if not self._shared:
            critic_params = init_params(self.critic, critic_key, self._critic_timestep(timestep, env_state))
        actor_carry, critic_carry = self._initial_carries(carry_key)
        state = PPOState(
            step=StepCount.of(0),
            timestep=timestep,
            env_state=env_state,
            actor_params=actor_params,
            actor_optimizer_state=self.actor_optimizer.init(actor_params),
            actor_carry=actor_carry,
            critic_params=critic_params,
            critic_optimizer_state=None if self._shared else self.critic_optimizer.init(critic_params),
            critic_carry=critic_carry,
        )
        return strong_types(state)

    def _initial_carries(self, key: PRNGKey) -> tuple[Carry, Carry]:
        actor_key, critic_key = jax.random.split(key)
        rows = (self._num_rows(),)
        critic_carry = None if self._shared else self.critic.initialize_carry(critic_key, rows)
        return self.actor.initialize_carry(actor_key, rows), critic_carry

    def _act(
        self, params: tuple[Params, Params], deterministic: bool, key: PRNGKey,
        carry: tuple[Carry, Carry], timestep: Timestep, env_state: EnvState,
    ) -> tuple[tuple[Carry, Carry], Array, dict[str, Array]]:
        actor_carry, critic_carry = carry
        actor_carry, output = apply_step(self.actor, params[0], self._fold(timestep), actor_carry)
        policy = output.policy if self._shared else output
        if deterministic:
            return (actor_carry, critic_carry), self._unfold(policy.mode()[:, 0]), {}
        action, log_prob = policy.sample_and_log_prob(seed=key)
        critic_timestep = self._critic_timestep(timestep, env_state)
        if self._shared:
            value = output.value
        else:
            critic_carry, value = apply_step(self.critic, params[1], critic_timestep, critic_carry)
        aux = {"log_prob": log_prob[:, 0], "value": self._value_head.value(value)[:, 0]}
        aux = {name: self._unfold(x) for name, x in aux.items()}
        if self._centralised_critic:
            aux["critic_observation"] = self._unfold(critic_timestep.observation)
        return (actor_carry, critic_carry), self._unfold(action[:, 0]), aux

    def _value(self, params: tuple[Params, Params], carry: tuple[Carry, Carry], critic_timestep: Timestep) -> Array:
        """``V`` of one step of critic input (network rows) from the critic's carry: ``(rows,)``."""
        if self._shared:
            _, output = apply_step(self.actor, params[0], critic_timestep, carry[0])
            output = output.value
        else:
            _, output = apply_step(self.critic, params[1], critic_timestep, carry[1])
        return self._value_head.value(output)[:, 0]

    def _bootstrap(
        self, params: tuple[Params, Params], carry: tuple[Carry, Carry], transition: Transition, env_state: EnvState
    ) -> dict[str, Array]:
        """The value of the true final observation; read only where the step was truncated."""
        value = self._value(params, carry, self._next_critic_timestep(transition, env_state))
        return {"truncation_value": self._unfold(value)}

    def _train(self, key: PRNGKey, state: PPOState, num_steps: int) -> tuple[PPOState, Logs]:
        num_updates = updates_for(self.config, num_steps, self.config.batch_size)
        state, (episodes, losses) = jax.lax.scan(self._update, state, jax.random.split(key, num_updates))
        return state, training_logs(state.step, episodes, losses)

    def _collect(self, key: PRNGKey, state: PPOState) -> tuple[Rollout, _Batch]:
        """One rollout from ``state`` and the learning batch made from it."""
        params = (state.actor_params, state.critic_params)
        start_carries = (state.actor_carry, state.critic_carry)
        result = rollout(
            key,
            self.env,
            self.env_params,
            lambda *args: self._act(params, False, *args),
            state.env_state,
            state.timestep,
            start_carries,
            self.config.num_steps,
            bootstrap=when_truncated(lambda *args: self._bootstrap(params, *args)),
            store_carry=self._store_carry,
        )
        result = self._process_rollout(state, result)
        last_value = self._value(params, result.carry, self._critic_timestep(result.timestep, result.env_state))
        return result, self._batch(result.transitions, start_carries, last_value)

    def _update(self, state: PPOState, key: PRNGKey) -> tuple[PPOState, tuple[dict, dict]]:
        config = self.config
        rollout_key, epoch_key = jax.random.split(key)
        result, batch = self._collect(rollout_key, state)
        stop = None
        if config.target_kl is not None:
            stop = lambda metrics: metrics["approx_kl"] > config.target_kl
        if self._shared:
            params, optimizer_state = state.actor_params, state.actor_optimizer_state
        else:
            params = (state.actor_params, state.critic_params)
            optimizer_state = (state.actor_optimizer_state, state.critic_optimizer_state)
        (params, optimizer_state), metrics = run_epochs(
            epoch_key, (params, optimizer_state), batch, self._minibatch_update, config.update_epochs,
            config.num_minibatches, self._recurrent, stop,
        )
        if self._shared:
            params, optimizer_state = (params, None), (optimizer_state, None)
        actor_carry, critic_carry = result.carry
        state = state.replace(
            step=state.step + config.batch_size,
            timestep=result.timestep,
            env_state=result.env_state,
            actor_params=params[0],
            actor_optimizer_state=optimizer_state[0],
            actor_carry=actor_carry,
            critic_params=params[1],
            critic_optimizer_state=optimizer_state[1],
            critic_carry=critic_carry,
        )
        state, metrics = self._extra_update(epoch_key, state, result, metrics)
        return state, (result.logs, metrics)

    # Hooks that IRPPO overrides to add intrinsic rewards and train its reward module.
    def _process_rollout(self, state: PPOState, result: Rollout) -> Rollout:
        """The rollout the learning batch is made from (per-step extras go into ``transitions.aux``)."""
        return result

    def _extra_update(
        self, key: PRNGKey, state: PPOState, result: Rollout, metrics: dict[str, Array]
    ) -> tuple[PPOState, dict[str, Array]]:
        """Further learning from the same rollout after the epochs (``key``: the epochs' key, to fold in)."""
        return state, metrics

    def _batch(self, transitions: Transition, start_carries: tuple[Carry, Carry], last_value: Array) -> _Batch:
        """GAE over the rollout; ``last_value`` ``(rows,)`` is ``V`` of the observation after it."""
        aux = transitions.aux
        discount, trace = episode_factors(
            transitions.terminated, transitions.truncated, self.config.gamma, self.config.gae_lambda
        )
        reward, discount, trace, value, truncated, truncation_value = self._rows(
            (transitions.reward, discount, trace, aux["value"], transitions.truncated, aux["truncation_value"])
        )
        next_value = _over_rows(next_values, value, last_value, truncated, truncation_value)
        advantage = _over_rows(generalized_advantage_estimation, reward, discount, trace, value, next_value)
        actor_carry, critic_carry = start_carries
        return _Batch(
            timestep=self._rows(transitions.timestep),
            critic_timestep=None if self._shared else self._rows(self._critic_sequence(transitions)),
            action=self._rows(transitions.action),
            log_prob=self._rows(aux["log_prob"]),
            value=value,
            advantage=advantage,
            target=advantage + value,
            active=self._active(transitions),
            actor_carry=actor_carry,
            critic_carry=critic_carry,
        )

    def _minibatch_update(self, carry: tuple, batch: _Batch) -> tuple[tuple, dict[str, Array]]:
        params, optimizer_state, metrics = gradient_step(self._loss, self._optimizer, *carry, batch)
        return (params, optimizer_state), metrics

    def _outputs(self, network: nn.Module, params: Params, timestep: Timestep, carry: Carry) -> tuple[Any, Array]:
        """The network's output on the learning steps after burn-in, and its sown aux losses."""
        warm, rest = split_burn_in(timestep, self.config.burn_in_length)
        carry = burn_in(network, params, warm, carry)
        _, output, aux_loss = apply_with_aux_losses(network, params, rest, carry)
        return output, aux_loss

    def _loss(self, params: Params | tuple[Params, Params], batch: _Batch) -> tuple[Array, dict[str, Array]]:
        """``actor loss + value_coefficient * critic loss`` (+ sown aux losses) of one minibatch."""
        config = self.config
        _, (action, old_log_prob, old_value, advantage, target, active) = split_burn_in(
            (batch.action, batch.log_prob, batch.value, batch.advantage, batch.target, batch.active),
            config.burn_in_length,
        )
        if self._shared:
            output, aux_loss = self._outputs(self.actor, params, batch.timestep, batch.actor_carry)
            policy, value_output = output.policy, output.value
            aux_metrics = {"aux": aux_loss}
        else:
            policy, actor_aux = self._outputs(self.actor, params[0], batch.timestep, batch.actor_carry)
            value_output, critic_aux = self._outputs(self.critic, params[1], batch.critic_timestep, batch.critic_carry)
            aux_loss = actor_aux + critic_aux
            aux_metrics = {"actor_aux": actor_aux, "critic_aux": critic_aux}
        policy_loss, metrics = self._policy_loss(policy, action, old_log_prob, advantage, active)
        value_loss = self._value_loss(value_output, old_value, target, active)
        loss = policy_loss + config.value_coefficient * value_loss + aux_loss
        return loss, {**metrics, "critic": value_loss, **aux_metrics}

    def _policy_loss(
        self, policy: Any, action: Array, old_log_prob: Array, advantage: Array, active: Array | None
    ) -> tuple[Array, dict[str, Array]]:
        """Clipped surrogate minus the entropy bonus, and the policy metrics."""
        config = self.config
        log_prob = policy.log_prob(action)
        if config.normalize_advantage:
            mean = _mean(advantage, active)
            std = jnp.sqrt(_mean(jnp.square(advantage - mean), active))
            advantage = (advantage - mean) / (std + 1e-8)
        log_ratio = log_prob - old_log_prob
        ratio = jnp.exp(log_ratio)
        clipped = jnp.clip(ratio, 1.0 - config.clip_coefficient, 1.0 + config.clip_coefficient)
        policy_loss = -_mean(jnp.minimum(ratio * advantage, clipped * advantage), active)
        entropy = _mean(policy.entropy(), active)
        return policy_loss - config.entropy_coefficient * entropy, {
            "actor": policy_loss,
            "entropy": entropy,
            "approx_kl": _mean((ratio - 1.0) - log_ratio, active),
            "clip_fraction": _mean(jnp.abs(ratio - 1.0) > config.clip_coefficient, active),
        }

    def _value_loss(self, output: Any, old_value: Array, target: Array, active: Array | None) -> Array:
        """The value head's own loss, or the clipped squared error under ``clip_value_loss``."""
        config = self.config
        if not config.clip_value_loss:
            return _mean(self._value_head.loss(output, target), active)
        value = self._value_head.value(output)
        clipped = old_value + jnp.clip(value - old_value, -config.clip_coefficient, config.clip_coefficient)
        return 0.5 * _mean(jnp.maximum(jnp.square(value - target), jnp.square(clipped - target)), active)

    def _evaluate(self, key: PRNGKey, state: PPOState, num_steps: int) -> Logs:
        carry_key, run_key = jax.random.split(key)
        return evaluation_logs(
            run_key,
            self.env,
            self.env_params,
            lambda *args: self._act((state.actor_params, state.critic_params), True, *args),
            self._initial_carries(carry_key),
            self.config.num_envs,
            num_steps,
            state.step,
        )
