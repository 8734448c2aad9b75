"""Stream AC(lambda): an actor-critic that learns from every env step as it happens.

Elsayed, Vasan and Mahmood 2024, "Streaming Deep Reinforcement Learning Finally Works"
(arXiv:2410.14606), Algorithm 3. No rollouts, no replay, no optimizer: at each step
every env computes its TD error

    delta = r + gamma * (1 - terminated) * V(o_{t+1}) - V(o_t)

(``o_{t+1}`` is the true next observation, the final one where a time limit cut the
episode, so truncations bootstrap), accumulates the traces

    z_V  <- gamma * lambda * z_V  + grad V(o_t)
    z_pi <- gamma * lambda * z_pi + grad [log pi(a_t | o_t) + tau * sign(delta) * H(pi(. | o_t))]

(zeroed at every episode start) and moves both networks by ObGD along ``delta * z``
(see ``_streaming.py``). Rewards are scaled by the running standard deviation of the
discounted return and observations standardised online (both optional).

Recurrent agents learn online through :class:`~memorax.networks.RTRL` torsos: their
carries hold the sensitivities ``dh/dtheta``, so the one-step gradient taken with the
carry as data is the full-history gradient. Any other recurrent torso gets gradients
truncated to the current step. ``evaluate`` acts with the policy's mode.
"""

import dataclasses
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._config import check_fraction, check_positive, require
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._logs import episode_logs
from memorax.algorithms._network import apply_step, init_params, with_action_space
from memorax.algorithms._normalization import (
    Normalizer,
    initial_normalizer,
    normalize_observation,
    observe,
    scale_reward,
)
from memorax.algorithms._rollout import reset_envs, step_envs
from memorax.algorithms._steps import StepCount
from memorax.algorithms._streaming import (
    accumulate_traces,
    first_row,
    obgd_update,
    per_env,
    train_every_step,
    zero_traces,
)
from memorax.algorithms._tree import strong_types
from memorax.core.dataclass import pytree_dataclass
from memorax.core.logs import Logs
from memorax.core.timestep import Timestep
from memorax.core.typing import Array, Carry, EnvParams, EnvState, Params, PRNGKey, PyTree


@dataclasses.dataclass(frozen=True)
class StreamACConfig:
    """Stream AC(lambda) hyperparameters (validated when built); defaults are the paper's.

    Attributes:
        num_envs: parallel envs, each with its own traces (the paper streams one).
        trace_lambda: eligibility-trace decay lambda; gamma: discount.
        actor_lr, critic_lr: ObGD step sizes (upper bounds on the effective steps).
        entropy_coefficient: tau, weight of the entropy term in the actor's trace.
        actor_kappa, critic_kappa: ObGD overshooting bounds (larger = smaller steps).
        normalize_observations: standardise observations with running statistics.
        scale_rewards: divide rewards by the running std of the discounted return.

    Example:
        >>> config = StreamACConfig(num_envs=8, trace_lambda=0.9, actor_lr=3e-4,
        ...     critic_lr=1e-3, entropy_coefficient=0.01)
    """

    num_envs: int = 1
    trace_lambda: float = 0.8
    actor_lr: float = 1.0
    critic_lr: float = 1.0
    entropy_coefficient: float = 0.01
    actor_kappa: float = 3.0
    critic_kappa: float = 2.0
    gamma: float = 0.99
    normalize_observations: bool = True
    scale_rewards: bool = True

    def __post_init__(self) -> None:
        check_positive(self, "num_envs", "actor_lr", "critic_lr", "actor_kappa", "critic_kappa")
        check_fraction(self, "trace_lambda", "gamma")
        require(
            self.entropy_coefficient >= 0,
            f"StreamACConfig.entropy_coefficient must be >= 0, got {self.entropy_coefficient}.",
        )


@pytree_dataclass
class StreamACState:
    """Everything Stream AC's training changes; per-env leaves (traces too) have the env axis leading."""

    env_axis_fields: ClassVar[tuple[str, ...]] = (
        "timestep", "env_state", "actor_carry", "actor_traces", "critic_carry", "critic_traces"
    )
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    step: StepCount
    timestep: Timestep
    env_state: EnvState
    actor_params: Params
    actor_carry: Carry
    actor_traces: PyTree
    critic_params: Params
    critic_carry: Carry
    critic_traces: PyTree
    normalizer: Normalizer


class StreamAC(JittedAlgorithm):
    """Stream AC(lambda) over a memorax policy network and value network.

    The actor's head returns a distribution (``heads.Categorical``, ``heads.Gaussian``),
    the critic's a value head (``heads.VNetwork``). Torsos: stateless, or
    ``RTRL(RNN(cell=RTUCell(...)))`` / ``RTRL(Memoroid(cell=LRUCell(...)))`` for online
    recurrent learning.

    Example:
        >>> agent = StreamAC(StreamACConfig(), env, env_params, actor, critic)
        >>> state = agent.init(jax.random.key(0))
        >>> state, logs = agent.train(jax.random.key(1), state, 100_000)
        >>> eval_logs = agent.evaluate(jax.random.key(2), state, 10_000)
    """

    def __init__(self, config: StreamACConfig, env: Any, env_params: EnvParams, actor: nn.Module, critic: nn.Module) -> None:
        self.config = config
        self.env = env
        self.env_params = env_params
        self.actor = with_action_space(actor, env, env_params)
        self.critic = with_action_space(critic, env, env_params)
        super().__init__()

    def init(self, key: PRNGKey) -> StreamACState:
        """Resets the envs; initialises networks, zero traces, fresh carries and statistics."""
        env_key, actor_key, critic_key, carry_key = jax.random.split(key, 4)
        num_envs = self.config.num_envs
        timestep, env_state = reset_envs(env_key, self.env, self.env_params, num_envs)
        actor_params = init_params(self.actor, actor_key, timestep)
        critic_params = init_params(self.critic, critic_key, timestep)
        actor_carry, critic_carry = self._initial_carries(carry_key)
        state = StreamACState(
            step=StepCount.of(0),
            timestep=timestep,
            env_state=env_state,
            actor_params=actor_params,
            actor_carry=actor_carry,
            actor_traces=zero_traces(actor_params, num_envs),
            critic_params=critic_params,
            critic_carry=critic_carry,
            critic_traces=zero_traces(critic_params, num_envs),
            normalizer=initial_normalizer(timestep.observation),
        )
        return strong_types(state)

    def _initial_carries(self, key: PRNGKey) -> tuple[Carry, Carry]:
        actor_key, critic_key = jax.random.split(key)
        rows = (self.config.num_envs,)
        return self.actor.initialize_carry(actor_key, rows), self.critic.initialize_carry(critic_key, rows)

    def _input(self, normalizer: Normalizer, timestep: Timestep) -> Timestep:
        """What the networks see: the timestep with standardised observations (if enabled)."""
        if not self.config.normalize_observations:
            return timestep
        return timestep.replace(observation=normalize_observation(normalizer, timestep.observation))

    def _policy_terms(self, params: Params, key: PRNGKey, timestep: Timestep, carry: Carry) -> tuple[Array, tuple]:
        """One env (batch of one): ``[log pi(a|o), H(pi(.|o))]`` of a sampled ``a``, and ``(carry, a)``."""
        carry, policy = apply_step(self.actor, params, timestep, carry)
        action = jax.lax.stop_gradient(policy.sample(seed=key[0]))
        terms = jnp.stack([policy.log_prob(action)[0, 0], policy.entropy()[0, 0]])
        return terms, (first_row(carry), action[0, 0])

    def _value(self, params: Params, timestep: Timestep, carry: Carry) -> tuple[Array, Carry]:
        """One env (batch of one): ``V(o)`` and the carry after ``o``."""
        carry, output = apply_step(self.critic, params, timestep, carry)
        return self.critic.head.value(output)[0, 0], first_row(carry)

    def _train(self, key: PRNGKey, state: StreamACState, num_steps: int) -> tuple[StreamACState, Logs]:
        return train_every_step(self._step, key, state, num_steps, self.config)

    def _step(self, state: StreamACState, key: PRNGKey) -> tuple[StreamACState, tuple[dict, dict]]:
        config = self.config
        act_key, env_key = jax.random.split(key)
        normalizer = observe(state.normalizer, state.timestep.observation) if config.normalize_observations else state.normalizer
        inputs = self._input(normalizer, state.timestep)

        policy_jacobian = per_env(jax.jacrev(self._policy_terms, has_aux=True))
        action_keys = jax.random.split(act_key, config.num_envs)
        jacobian, (actor_carry, action) = policy_jacobian(state.actor_params, action_keys, inputs, state.actor_carry)
        value_grad = per_env(jax.value_and_grad(self._value, has_aux=True))
        (value, critic_carry), critic_grads = value_grad(state.critic_params, inputs, state.critic_carry)

        action = action.astype(state.timestep.action.dtype)
        timestep, env_state, transition, info = step_envs(
            env_key, self.env, self.env_params, state.env_state, state.timestep, action
        )
        next_inputs = self._input(
            normalizer,
            Timestep(transition.next_observation, action, transition.reward, jnp.zeros_like(transition.terminated)),
        )
        _, next_output = apply_step(self.critic, state.critic_params, next_inputs, critic_carry)
        next_value = self.critic.head.value(next_output)[:, 0]

        reward = transition.reward
        if config.scale_rewards:
            normalizer, reward = scale_reward(normalizer, reward, state.timestep.done, config.gamma)
        delta = reward + config.gamma * (1.0 - transition.terminated.astype(jnp.float32)) * next_value - value
        delta = jax.lax.stop_gradient(delta)

        decay = config.gamma * config.trace_lambda * (1.0 - state.timestep.done.astype(jnp.float32))
        actor_grads = jax.tree.map(
            lambda j: j[:, 0] + config.entropy_coefficient * _per_env_sign(delta, j) * j[:, 1], jacobian
        )
        actor_traces = accumulate_traces(state.actor_traces, actor_grads, decay)
        critic_traces = accumulate_traces(state.critic_traces, critic_grads, decay)
        actor_params, actor_step = obgd_update(state.actor_params, actor_traces, delta, config.actor_lr, config.actor_kappa)
        critic_params, critic_step = obgd_update(
            state.critic_params, critic_traces, delta, config.critic_lr, config.critic_kappa
        )
        state = state.replace(
            step=state.step + config.num_envs,
            timestep=timestep,
            env_state=env_state,
            actor_params=actor_params,
            actor_carry=actor_carry,
            actor_traces=actor_traces,
            critic_params=critic_params,
            critic_carry=critic_carry,
            critic_traces=critic_traces,
            normalizer=normalizer,
        )
        metrics = {
            "td_error": jnp.mean(delta),
            "value": jnp.mean(value),
            "actor_step_size": jnp.mean(actor_step),
            "critic_step_size": jnp.mean(critic_step),
        }
        return state, (episode_logs(info), metrics)

    def _act(self, params: Params, normalizer: Normalizer, key: PRNGKey, carry: Carry, timestep: Timestep,
             env_state: EnvState) -> tuple[Carry, Array, dict[str, Array]]:
        carry, policy = apply_step(self.actor, params, self._input(normalizer, timestep), carry)
        return carry, policy.mode()[:, 0].astype(timestep.action.dtype), {}

    def _evaluate(self, key: PRNGKey, state: StreamACState, num_steps: int) -> Logs:
        carry_key, run_key = jax.random.split(key)
        return evaluation_logs(
            run_key,
            self.env,
            self.env_params,
            lambda *args: self._act(state.actor_params, state.normalizer, *args),
            self._initial_carries(carry_key)[0],
            self.config.num_envs,
            num_steps,
            state.step,
        )


def _per_env_sign(delta: Array, leaf: Array) -> Array:
    """``sign(delta)`` ``(N,)`` broadcast against a per-env jacobian leaf ``(N, 2, ...)``'s slice."""
    return jnp.reshape(jnp.sign(delta), (-1,) + (1,) * (leaf.ndim - 2)).astype(leaf.dtype)
