"""GradientPPO: PPO whose critic learns by gradient TD(lambda) with regularized corrections.

Elelimy, Daley, Patterson, Machado, White and White 2025, "Deep Reinforcement Learning
with Gradient Eligibility Traces" (arXiv:2507.09087), its PPO variant; the correction is
TDRC's (Ghiassian et al. 2020). The critic ``V`` and an auxiliary estimate ``h`` of the
lambda-TD error (a second value head on the critic's torso, built here, see
``_correction.py``) follow the forward-view TDC(lambda) updates on every step ``t``:

    delta^lambda_t = sum_k (gamma lambda)^k delta_{t+k}         (GAE with the current V)
    theta <- theta + a [delta^lambda_t grad V(o_t) - h(o_t) gamma (1 - lambda) sum_k (gamma lambda)^k grad V(o_{t+k+1})]
    h     <- h + a [(delta^lambda_t - h(o_t)) grad h(o_t)] - a beta theta_h

as the gradients of ``sg(h) delta^lambda - sg(delta^lambda - h) V`` and
``(delta^lambda - h)^2 / 2 + beta ||theta_h||^2 / 2``. Because ``delta^lambda`` depends
on the current values of the following steps, learning runs on chunks of
``truncation_length`` steps, each started from the carries stored with its first
transition; the last step of a chunk (and a truncated episode's last step) bootstraps
from the value the rollout computed. The actor is PPO's, with the rollout's
``delta^lambda`` (GAE) as advantages. ``clip_value_loss`` has no gradient-TD form and is
not used.

Networks: separate actor and critic, or one network with ``heads.ActorCritic`` (pass
``critic=None, critic_optimizer=None``), whose value head then gets the ``h`` head.
"""

import dataclasses
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._burn_in import split_burn_in
from memorax.algorithms._config import check_positive, require
from memorax.algorithms._correction import CorrectedHead, correction_norm, with_correction
from memorax.algorithms._returns import episode_factors, generalized_advantage_estimation, next_values
from memorax.algorithms._tree import merge_leading_axes
from memorax.algorithms.ppo import PPO, PPOConfig
from memorax.core.timestep import Timestep, Transition
from memorax.core.typing import Array, Carry, EnvParams, Params
from memorax.networks import heads


@dataclasses.dataclass(frozen=True)
class GradientPPOConfig(PPOConfig):
    """GradientPPO hyperparameters: PPO's (see :class:`PPOConfig`) plus the gradient-TD critic's.

    Attributes:
        regularization_coefficient: beta, the pull of ``h``'s weights towards zero
            (TDRC; 0 gives plain TDC(lambda)).
        truncation_length: steps per learning chunk; must divide ``num_steps``, and
            ``num_minibatches`` must divide the number of chunks ``num_envs * num_steps /
            truncation_length``. ``gae_lambda`` is the critic's lambda too.

    Example:
        >>> config = GradientPPOConfig(num_envs=8, num_steps=128, num_minibatches=4,
        ...     regularization_coefficient=0.1, truncation_length=16)
    """

    regularization_coefficient: float = 1.0
    truncation_length: int = 16

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive(self, "truncation_length")
        require(
            self.regularization_coefficient >= 0,
            f"GradientPPOConfig.regularization_coefficient must be >= 0, got {self.regularization_coefficient}.",
        )
        require(
            self.num_steps % self.truncation_length == 0,
            f"GradientPPOConfig.truncation_length={self.truncation_length} must divide num_steps={self.num_steps}; "
            "pick a divisor of num_steps.",
        )
        require(
            self.num_chunks % self.num_minibatches == 0,
            f"GradientPPOConfig.num_minibatches={self.num_minibatches} must divide the number of chunks "
            f"num_envs * num_steps / truncation_length = {self.num_chunks}; pick a divisor of {self.num_chunks}.",
        )
        require(
            self.burn_in_length < self.truncation_length,
            f"GradientPPOConfig.burn_in_length={self.burn_in_length} must be shorter than "
            f"truncation_length={self.truncation_length} (burn-in runs inside each chunk); lower it.",
        )

    @property
    def num_chunks(self) -> int:
        """Learning chunks per update: ``num_envs * num_steps / truncation_length``."""
        return self.num_envs * (self.num_steps // self.truncation_length)


class _Chunks(NamedTuple):
    """Learning chunks ``(num_chunks, truncation_length, ...)`` and their starting carries ``(num_chunks, ...)``."""

    timestep: Timestep
    critic_timestep: Timestep | None
    action: Array
    log_prob: Array
    advantage: Array
    reward: Array
    discount: Array
    trace: Array
    truncated: Array
    truncation_value: Array
    next_value: Array
    actor_carry: Carry
    critic_carry: Carry


class GradientPPO(PPO):
    """PPO with a gradient-TD(lambda) critic and a built-in ``h`` head.

    Example:
        >>> agent = GradientPPO(config, env, env_params, actor, critic, optax.adam(3e-4), optax.adam(3e-4))
        >>> shared = GradientPPO(config, env, env_params, actor_critic, None, optax.adam(3e-4), None)
        >>> state, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 100_000)
    """

    _store_carry = True

    def __init__(
        self,
        config: GradientPPOConfig,
        env: Any,
        env_params: EnvParams,
        actor: nn.Module,
        critic: nn.Module | None,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation | None,
    ) -> None:
        correction = heads.VNetwork(kernel_init=nn.initializers.zeros)
        if critic is not None:
            critic = with_correction(critic, correction)
        elif isinstance(actor.head, heads.ActorCritic):
            value = CorrectedHead(head=actor.head.value, correction=correction)
            actor = actor.clone(head=actor.head.clone(value=value))
        super().__init__(config, env, env_params, actor, critic, actor_optimizer, critic_optimizer)
        self._recurrent = True  # chunks are sequences whatever the torso: they are never split into steps

    def _batch(self, transitions: Transition, start_carries: tuple[Carry, Carry], last_value: Array) -> _Chunks:
        """PPO's GAE advantages, and the per-step terms the critic's loss recomputes, cut into chunks."""
        rows = super()._batch(transitions, start_carries, last_value)
        config = self.config
        discount, trace = episode_factors(transitions.terminated, transitions.truncated, config.gamma, config.gae_lambda)
        truncation_value = transitions.aux["truncation_value"]
        next_value = jax.vmap(next_values)(rows.value, last_value, transitions.truncated, truncation_value)
        length = config.truncation_length
        chunk = lambda tree: merge_leading_axes(
            jax.tree.map(lambda x: jnp.reshape(x, (x.shape[0], x.shape[1] // length, length, *x.shape[2:])), tree)
        )
        starts = lambda carry: merge_leading_axes(jax.tree.map(lambda x: x[:, ::length], carry))
        actor_carry, critic_carry = transitions.carry
        return _Chunks(
            timestep=chunk(rows.timestep),
            critic_timestep=chunk(rows.critic_timestep),
            action=chunk(rows.action),
            log_prob=chunk(rows.log_prob),
            advantage=chunk(rows.advantage),
            reward=chunk(transitions.reward),
            discount=chunk(discount),
            trace=chunk(trace),
            truncated=chunk(transitions.truncated),
            truncation_value=chunk(truncation_value),
            next_value=chunk(next_value),
            actor_carry=starts(actor_carry),
            critic_carry=starts(critic_carry),
        )

    def _loss(self, params: Params | tuple[Params, Params], batch: _Chunks) -> tuple[Array, dict[str, Array]]:
        """PPO's policy loss + ``value_coefficient`` * (gradient-TD critic loss + ``h`` loss) of chunks."""
        config = self.config
        _, rest = split_burn_in(batch._replace(actor_carry=None, critic_carry=None), config.burn_in_length)
        if self._shared:
            output, aux_loss = self._outputs(self.actor, params, batch.timestep, batch.actor_carry)
            policy, value_output = output.policy, output.value
        else:
            policy, actor_aux = self._outputs(self.actor, params[0], batch.timestep, batch.actor_carry)
            value_output, critic_aux = self._outputs(self.critic, params[1], batch.critic_timestep, batch.critic_carry)
            aux_loss = actor_aux + critic_aux
        policy_loss, metrics = self._policy_loss(policy, rest.action, rest.log_prob, rest.advantage, None)
        critic_loss, critic_metrics = self._gradient_td_loss(value_output, rest)
        regularization = 0.5 * config.regularization_coefficient * correction_norm(params)
        loss = policy_loss + config.value_coefficient * (critic_loss + regularization) + aux_loss
        return loss, {**metrics, **critic_metrics, "aux": aux_loss}

    def _gradient_td_loss(self, output: tuple[Array, Array], chunks: _Chunks) -> tuple[Array, dict[str, Array]]:
        """``sg(h) d - sg(d - h) V + (sg(d) - h)^2 / 2`` with ``d`` the lambda-TD error of the current ``V``."""
        value = self._value_head.value(output)  # (B, L)
        h = output[1]
        last = jax.lax.stop_gradient(chunks.next_value[:, -1])
        next_value = jax.vmap(next_values)(value, last, chunks.truncated, chunks.truncation_value)
        delta = jax.vmap(generalized_advantage_estimation)(
            chunks.reward, chunks.discount, chunks.trace, value, next_value
        )
        critic = jnp.mean(jax.lax.stop_gradient(h) * delta - jax.lax.stop_gradient(delta - h) * value)
        correction = 0.5 * jnp.mean(jnp.square(jax.lax.stop_gradient(delta) - h))
        return critic + correction, {"critic": jnp.mean(jnp.square(delta)), "correction": correction}
