"""SAC: soft actor-critic for continuous actions, twin Q, learned temperature, recurrent or not.

Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications" (arXiv:1812.05905).
The actor's head is ``heads.SquashedGaussian`` (actions in ``(-1, 1)``, rescaled to the
env's bounds; ``head.mode(dist)`` acts in ``evaluate``), the critic's ``heads.TwinContinuousQNetwork`` (its action input is the
*current* action, passed as ``current_action=``; the previous action stays the
network's positional input), the temperature ``heads.Alpha``. Replayed windows hold
``burn_in_length + sequence_length`` steps and the actor and critic carries stored
before their first step; both networks warm up on the burn-in steps and read every
true next observation (:mod:`memorax.algorithms._unroll`), so the soft target
``r + gamma (1 - terminated) (min Q'(o', a') - alpha log pi(a' | o'))`` bootstraps
through truncations and is not off by one.
"""

import dataclasses
import warnings
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from memorax.algorithms._burn_in import burn_in, split_burn_in
from memorax.algorithms._config import check_positive, require
from memorax.algorithms._network import apply_step, init_params, is_recurrent
from memorax.algorithms._off_policy import Buffer, OffPolicyAlgorithm, check_buffer, check_burn_in, check_off_policy, default_buffer, stored_carry
from memorax.algorithms._q_learning import example_transition
from memorax.algorithms._rollout import Act, reset_envs
from memorax.algorithms._steps import StepCount
from memorax.algorithms._targets import update_target
from memorax.algorithms._tree import strong_types
from memorax.algorithms._unroll import unroll_with_next
from memorax.algorithms._update import gradient_step
from memorax.core.dataclass import pytree_dataclass
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey
from memorax.networks.heads import Alpha


@dataclasses.dataclass(frozen=True)
class SACConfig:
    """SAC hyperparameters (validated when built).

    Attributes:
        num_envs: parallel envs (one buffer row each), as in :class:`~memorax.algorithms.DQNConfig`.
        tau: Polyak weight of the target critic.
        train_frequency: env transitions per gradient update.
        target_update_frequency: env steps between target updates.
        burn_in_length: steps replayed before the learning steps only to warm the stored
            carry up (recurrent networks only).
        gamma: discount.
        buffer_size: default buffer size (env steps).
        batch_size: windows per update.
        learning_starts: transitions the buffer must hold before the first update.
        target_entropy_scale: target entropy ``-target_entropy_scale * action_dim``.
        gradient_steps: optimizer steps (critic, actor, temperature) per update.
        sequence_length: learning steps per replayed window.
    """

    num_envs: int = 8
    tau: float = 0.005
    train_frequency: int = 1
    target_update_frequency: int = 1
    target_entropy_scale: float = 1.0
    gradient_steps: int = 1
    burn_in_length: int = 0
    sequence_length: int = 1
    gamma: float = 0.99
    buffer_size: int = 100_000
    batch_size: int = 256
    learning_starts: int = 5_000

    def __post_init__(self) -> None:
        check_off_policy(self)
        check_positive(self, "gradient_steps", "sequence_length")
        require(
            self.target_entropy_scale >= 0,
            f"SACConfig.target_entropy_scale must be >= 0, got {self.target_entropy_scale}.",
        )

    @property
    def n_step(self) -> int:
        """SAC uses one-step targets."""
        return 1


@pytree_dataclass
class SACState:
    """Everything SAC training changes; ``carry`` is ``(actor_carry, critic_carry)``."""

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "carry", "buffer_state")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    step: StepCount
    timestep: Timestep
    env_state: EnvState
    carry: Carry
    buffer_state: Any
    actor_params: Params
    critic_params: Params
    critic_target_params: Params
    alpha_params: Params
    actor_optimizer_state: optax.OptState
    critic_optimizer_state: optax.OptState
    alpha_optimizer_state: optax.OptState


class SAC(OffPolicyAlgorithm):
    """SAC over memorax Networks: actor (SquashedGaussian head), twin critic, Alpha temperature.

    ``alpha_network`` should be ``heads.Alpha(initial_alpha=...)``. The seed guide passes
    the critic in its place (``SAC(config, env, env_params, actor, critic, critic, ...)``);
    anything that is not an ``Alpha`` is replaced by ``Alpha()`` (initial temperature 1)
    with a warning, so that snippet trains as written.

    Example:
        >>> config = SACConfig(num_envs=8, tau=0.005, train_frequency=1,
        ...     target_update_frequency=1, target_entropy_scale=0.89, gradient_steps=1)
        >>> agent = SAC(config, env, env_params, actor, critic, heads.Alpha(),
        ...     optax.adam(3e-4), optax.adam(3e-4), optax.adam(3e-4))
        >>> state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 5_000)
        >>> state, logs = agent.train(jax.random.key(2), state, 50_000)
    """

    def __init__(
        self,
        config: SACConfig,
        env: Any,
        env_params: EnvParams,
        actor_network: nn.Module,
        critic_network: nn.Module,
        alpha_network: nn.Module,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation,
        alpha_optimizer: optax.GradientTransformation,
        buffer: Buffer | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        self.actor_network = actor_network
        self.critic_network = critic_network
        if not isinstance(alpha_network, Alpha):
            warnings.warn(
                f"SAC's alpha_network got a {type(alpha_network).__name__}, not heads.Alpha; "
                "learning the temperature with heads.Alpha() (initial_alpha=1.0) instead.",
                UserWarning,
                stacklevel=2,
            )
            alpha_network = Alpha()
        self.alpha_network = alpha_network
        self.actor_optimizer = actor_optimizer
        self.critic_optimizer = critic_optimizer
        self.alpha_optimizer = alpha_optimizer
        space = env.action_space(env_params)
        require(
            hasattr(space, "low") and len(space.shape) == 1,
            f"SAC needs a Box action space with shape (action_dim,); got {space!r}.",
        )
        self._low = np.broadcast_to(np.asarray(space.low, np.float32), space.shape)
        self._high = np.broadcast_to(np.asarray(space.high, np.float32), space.shape)
        self.target_entropy = -config.target_entropy_scale * space.shape[0]
        carries = self._fresh_carry(jax.random.key(0))
        for carry in carries:
            check_burn_in(config, is_recurrent(carry))
        window = config.burn_in_length + config.sequence_length
        self.buffer = buffer if buffer is not None else default_buffer(config, window)
        check_buffer(config, self.buffer, window)
        super().__init__()

    def _fresh_carry(self, key: PRNGKey) -> Carry:
        actor_key, critic_key = jax.random.split(key)
        batch = (self.config.num_envs,)
        return (
            self.actor_network.initialize_carry(actor_key, batch),
            self.critic_network.initialize_carry(critic_key, batch),
        )

    def _to_env(self, action: Array) -> Array:
        """Maps ``(-1, 1)`` actions to the env's bounds."""
        return self._low + 0.5 * (action + 1.0) * (self._high - self._low)

    def init(self, key: PRNGKey) -> SACState:
        """Resets the envs; initialises actor, twin critic and its target, temperature, optimizers, buffer."""
        env_key, actor_key, critic_key, alpha_key, carry_key = jax.random.split(key, 5)
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, self.config.num_envs)
        actor_params = init_params(self.actor_network, actor_key, timestep)
        current_action = timestep.action[:1, None]
        critic_params = init_params(self.critic_network, critic_key, timestep, current_action=current_action)
        alpha_params = self.alpha_network.init(alpha_key)
        carry = self._fresh_carry(carry_key)
        state = SACState(
            step=StepCount.of(0),
            timestep=timestep,
            env_state=env_state,
            carry=carry,
            buffer_state=self.buffer.init(example_transition(timestep, carry)),
            actor_params=actor_params,
            critic_params=critic_params,
            critic_target_params=critic_params,
            alpha_params=alpha_params,
            actor_optimizer_state=self.actor_optimizer.init(actor_params),
            critic_optimizer_state=self.critic_optimizer.init(critic_params),
            alpha_optimizer_state=self.alpha_optimizer.init(alpha_params),
        )
        return strong_types(state)

    def _policy(self, state: SACState, explore: Any) -> Act:
        def act(key: PRNGKey, carry: Carry, timestep: Timestep, env_state: EnvState) -> tuple:
            actor_carry, critic_carry = carry
            actor_carry, dist = apply_step(self.actor_network, state.actor_params, timestep, actor_carry)
            if explore is None:
                action = self.actor_network.head.mode(dist)
            elif explore == "random":
                shape = (*dist.batch_shape, *dist.event_shape)
                action = jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)
            else:
                action = dist.sample(seed=key)
            action = self._to_env(action).astype(timestep.action.dtype)
            # The critic's carry advances on the same steps, with the action taken as its input.
            critic_carry, _ = apply_step(
                self.critic_network, state.critic_params, timestep, critic_carry, current_action=action
            )
            return (actor_carry, critic_carry), action[:, 0], {}

        return act

    def _update_targets(self, state: SACState, count: Array) -> SACState:
        target = update_target(state.critic_params, state.critic_target_params, self.config.tau, count)
        return state.replace(critic_target_params=target)

    def _learn(self, state: SACState, key: PRNGKey) -> tuple[SACState, dict[str, Array]]:
        sample_key, steps_key = jax.random.split(key)
        window = self.buffer.sample(state.buffer_state, sample_key).experience
        state, metrics = jax.lax.scan(
            lambda state, key: self._gradient_step(state, window, key),
            state,
            jax.random.split(steps_key, self.config.gradient_steps),
        )
        return state, jax.tree.map(jnp.mean, metrics)

    def _warm_carries(self, state: SACState, window: Transition) -> tuple[Transition, Carry, Carry, Carry]:
        """Burn-in of the stored actor and critic carries (target critic from the same stored carry)."""
        actor_carry, critic_carry = stored_carry(window)
        warm, rest = split_burn_in(window, self.config.burn_in_length)
        critic_kwargs = {"current_action": warm.action}
        return (
            rest,
            burn_in(self.actor_network, state.actor_params, warm.timestep, actor_carry),
            self._burn_in_critic(state.critic_params, warm, critic_carry, critic_kwargs),
            self._burn_in_critic(state.critic_target_params, warm, critic_carry, critic_kwargs),
        )

    def _burn_in_critic(self, params: Params, warm: Transition, carry: Carry, kwargs: dict) -> Carry:
        if self.config.burn_in_length == 0:
            return carry
        carry, _ = jax.lax.stop_gradient(
            self.critic_network.apply(
                params, warm.timestep.observation, warm.timestep.done, warm.timestep.action,
                warm.timestep.reward, initial_carry=carry, **kwargs,
            )
        )
        return carry

    def _sample_actions(self, dist: Any, key: PRNGKey) -> tuple[Array, Array]:
        action, log_prob = dist.sample_and_log_prob(seed=key)
        # log-density of the env-scale action: subtract log |d env / d a| per dimension.
        log_scale = jnp.sum(jnp.log(0.5 * (self._high - self._low)))
        return self._to_env(action), log_prob - log_scale

    def _gradient_step(self, state: SACState, window: Transition, key: PRNGKey) -> tuple[SACState, dict[str, Array]]:
        config = self.config
        rest, actor_carry, critic_carry, target_carry = self._warm_carries(state, window)
        actor_key, critic_key, target_key = jax.random.split(key, 3)
        log_alpha = self.alpha_network.apply(state.alpha_params)
        alpha = jnp.exp(log_alpha)

        # Soft target from the true next observations: a' ~ pi(o'), min of the target twins.
        _, (next_action, next_log_prob), _ = unroll_with_next(
            self.actor_network, state.actor_params, rest, actor_carry, self._sample_actions, target_key
        )
        read_q = lambda q, _: jnp.minimum(*q)
        _, next_q, _ = unroll_with_next(
            self.critic_network, state.critic_target_params, rest, target_carry, read_q, target_key,
            kwargs={"current_action": rest.action}, next_kwargs={"current_action": next_action},
        )
        discount = config.gamma * (1.0 - rest.terminated.astype(jnp.float32))
        target = jax.lax.stop_gradient(rest.reward + discount * (next_q - alpha * next_log_prob))

        def critic_loss(params: Params) -> tuple[Array, dict[str, Array]]:
            (q1, q2), _, aux_loss = unroll_with_next(
                self.critic_network, params, rest, critic_carry, lambda q, _: q, critic_key,
                kwargs={"current_action": rest.action}, next_kwargs={"current_action": rest.action},
            )
            loss = 0.5 * (jnp.square(q1 - target).mean() + jnp.square(q2 - target).mean())
            return loss + aux_loss, {"critic": loss, "q_value": q1.mean()}

        critic_params, critic_optimizer_state, critic_metrics = gradient_step(
            critic_loss, self.critic_optimizer, state.critic_params, state.critic_optimizer_state
        )

        def actor_loss(params: Params) -> tuple[Array, dict[str, Array]]:
            (action, log_prob), _, aux_loss = unroll_with_next(
                self.actor_network, params, rest, actor_carry, self._sample_actions, actor_key
            )
            q_value, _, _ = unroll_with_next(
                self.critic_network, jax.lax.stop_gradient(critic_params), rest, critic_carry, read_q, actor_key,
                kwargs={"current_action": action}, next_kwargs={"current_action": rest.action},
            )
            loss = jnp.mean(alpha * log_prob - q_value)
            return loss + aux_loss, {"actor": loss, "log_prob": log_prob.mean()}

        actor_params, actor_optimizer_state, actor_metrics = gradient_step(
            actor_loss, self.actor_optimizer, state.actor_params, state.actor_optimizer_state
        )
        log_prob = jax.lax.stop_gradient(actor_metrics["log_prob"])

        def alpha_loss(params: Params) -> tuple[Array, dict[str, Array]]:
            log_alpha = self.alpha_network.apply(params)
            loss = self.alpha_network.loss(log_alpha, log_prob, self.target_entropy)
            return loss, {"alpha": jnp.exp(log_alpha)}

        alpha_params, alpha_optimizer_state, alpha_metrics = gradient_step(
            alpha_loss, self.alpha_optimizer, state.alpha_params, state.alpha_optimizer_state
        )
        state = state.replace(
            actor_params=actor_params,
            critic_params=critic_params,
            alpha_params=alpha_params,
            actor_optimizer_state=actor_optimizer_state,
            critic_optimizer_state=critic_optimizer_state,
            alpha_optimizer_state=alpha_optimizer_state,
        )
        return state, {**critic_metrics, **actor_metrics, **alpha_metrics}
