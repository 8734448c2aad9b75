"""PPO with intrinsic rewards (IRPPO), in the style of Burda et al. 2018 ("Exploration by
Random Network Distillation", arXiv:1810.12894).

A reward module (:class:`~memorax.algorithms.intrinsic.RND` or
:class:`~memorax.algorithms.intrinsic.ICM`) scores every transition of a rollout; the
critic has two value streams on one torso, one for the extrinsic return (episodic: GAE
stops at terminations and bootstraps through truncations, as PPO) and one for the
intrinsic return (non-episodic: it runs on through episode ends with
``intrinsic_gamma``, so that novelty behind a reset still pays). The policy follows
``A_extrinsic + intrinsic_reward_coefficient * A_intrinsic``. Intrinsic rewards are
divided by the running standard deviation of their discounted return (paper, section 2.4).
After PPO's epochs the reward module is trained on the same rollout, for the same number
of epochs and minibatches (of shuffled steps), by its own optimizer.
"""

import dataclasses
from typing import Any, ClassVar, Literal

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.algorithms._config import check_fraction, require
from memorax.algorithms._normalization import Moments, initial_moments, std, update_moments
from memorax.algorithms._returns import generalized_advantage_estimation
from memorax.algorithms._rollout import Rollout
from memorax.algorithms._tree import strong_types
from memorax.algorithms._update import gradient_step, run_epochs
from memorax.algorithms.intrinsic import ICM, RND
from memorax.algorithms.ppo import PPO, PPOConfig, PPOState, _Batch
from memorax.core.dataclass import pytree_dataclass
from memorax.core.protocols import DiscreteSpace
from memorax.core.timestep import Transition
from memorax.core.typing import Array, Carry, EnvParams, PRNGKey, PyTree
from memorax.networks.heads import ActorCritic, HLGaussVNetwork

MODULES = {"rnd": RND, "icm": ICM}


@dataclasses.dataclass(frozen=True)
class IRPPOConfig(PPOConfig):
    """PPO's fields (see :class:`PPOConfig`; ``gamma`` is the extrinsic discount) plus:

    Attributes:
        intrinsic: the reward module, ``"rnd"`` or ``"icm"`` (the agent checks the module it is given).
        intrinsic_reward_coefficient: weight of the intrinsic advantage in the policy's
            (the paper weighs extrinsic 2 and intrinsic 1: 0.5 here).
        intrinsic_gamma: discount of the non-episodic intrinsic return, in ``[0, 1)``.
        normalize_intrinsic_reward: divide intrinsic rewards by the running standard
            deviation of their discounted return.

    Example:
        >>> config = IRPPOConfig(num_envs=16, num_steps=64, intrinsic="rnd",
        ...     intrinsic_reward_coefficient=0.5, gamma=0.999, intrinsic_gamma=0.99)
    """

    intrinsic: Literal["rnd", "icm"] = "rnd"
    intrinsic_reward_coefficient: float = 1.0
    intrinsic_gamma: float = 0.99
    normalize_intrinsic_reward: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        name = type(self).__name__
        require(
            self.intrinsic in MODULES,
            f"{name}.intrinsic must be one of {', '.join(MODULES)}, got {self.intrinsic!r}.",
        )
        require(
            self.intrinsic_reward_coefficient >= 0,
            f"{name}.intrinsic_reward_coefficient must be >= 0, got {self.intrinsic_reward_coefficient}.",
        )
        check_fraction(self, "intrinsic_gamma")
        require(
            self.intrinsic_gamma < 1.0,
            f"{name}.intrinsic_gamma must be < 1: the intrinsic return never stops at episode ends, "
            f"so it needs a discount; got {self.intrinsic_gamma}.",
        )


@pytree_dataclass
class IRPPOState(PPOState):
    """PPO's state plus the reward module's.

    Attributes:
        intrinsic_variables: the module's variables (``"params"`` trained, RND's target and
            observation statistics kept).
        intrinsic_optimizer_state: the module optimizer's state.
        intrinsic_return: ``(num_envs,)`` each env's running discounted intrinsic return.
        intrinsic_return_moments: running moments of those returns (the reward scale).
    """

    env_axis_fields: ClassVar[tuple[str, ...]] = ("timestep", "env_state", "actor_carry", "critic_carry", "intrinsic_return")
    """The fields whose leaves have the env axis leading (sharded by :mod:`memorax.algorithms.distributed`)."""

    intrinsic_variables: PyTree
    intrinsic_optimizer_state: optax.OptState
    intrinsic_return: Array
    intrinsic_return_moments: Moments


class ValueStreams(nn.Module):
    """Two value heads on the same features: ``(extrinsic(x), intrinsic(x))``.

    It reads like one value head whose values have a trailing stream axis:
    ``value(out)`` is ``(B, T, 2)`` and ``loss(out, targets (B, T, 2))`` the mean of the
    two heads' per-step losses ``(B, T)``.
    """

    extrinsic: nn.Module
    intrinsic: nn.Module

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> tuple[Any, Any]:
        return self.extrinsic(x, **kwargs), self.intrinsic(x, **kwargs)

    @nn.nowrap
    def value(self, output: tuple[Any, Any]) -> Array:
        return jnp.stack([self.extrinsic.value(output[0]), self.intrinsic.value(output[1])], axis=-1)

    @nn.nowrap
    def loss(self, output: tuple[Any, Any], targets: Array) -> Array:
        extrinsic = self.extrinsic.loss(output[0], targets[..., 0])
        return 0.5 * (extrinsic + self.intrinsic.loss(output[1], targets[..., 1]))


def _streams(head: nn.Module) -> ValueStreams:
    return ValueStreams(extrinsic=head, intrinsic=head.clone())


def running_returns(reward: Array, start: Array, gamma: float) -> Array:
    """Non-episodic discounted returns ``G_t = gamma * G_{t-1} + r_t`` of one row ``(T,)`` from ``G_{-1} = start``."""

    def forward(g: Array, reward_t: Array) -> tuple[Array, Array]:
        g = gamma * g + reward_t
        return g, g

    return jax.lax.scan(forward, start, reward)[1]


class IRPPO(PPO):
    """PPO whose policy also follows an intrinsic reward from an ICM or RND module.

    Arguments are PPO's (the critic's value head, or ``heads.ActorCritic``'s ``value``, is
    doubled into an extrinsic and an intrinsic stream) plus ``reward_module`` (an
    :class:`RND` or :class:`ICM`, as ``config.intrinsic`` says) and its ``reward_optimizer``.
    Logs add ``losses/intrinsic_reward`` (the rollout's mean, after scaling),
    ``losses/intrinsic_loss`` and the module's own metrics.

    Example:
        >>> rnd = RND(target=MLP(features=(64, 64), activate_final=False),
        ...           predictor=MLP(features=(64, 64, 64), activate_final=False))
        >>> agent = IRPPO(IRPPOConfig(intrinsic="rnd"), env, env_params, actor, critic,
        ...               optax.adam(3e-4), optax.adam(3e-4), rnd, optax.adam(1e-3))
        >>> state, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 100_000)
    """

    def __init__(
        self,
        config: IRPPOConfig,
        env: Any,
        env_params: EnvParams,
        actor: nn.Module,
        critic: nn.Module | None,
        actor_optimizer: optax.GradientTransformation,
        critic_optimizer: optax.GradientTransformation | None,
        reward_module: RND | ICM,
        reward_optimizer: optax.GradientTransformation,
    ) -> None:
        expected = MODULES[config.intrinsic]
        require(
            isinstance(reward_module, expected),
            f"IRPPOConfig.intrinsic={config.intrinsic!r} needs a {expected.__name__} reward module, got "
            f"{type(reward_module).__name__}; pass a {expected.__name__} or set intrinsic to match the module.",
        )
        space = env.action_space(env_params)
        require(
            not isinstance(reward_module, ICM) or (isinstance(space, DiscreteSpace) and reward_module.num_actions == space.n),
            f"ICM infers discrete actions: it needs num_actions == the env's {getattr(space, 'n', 'continuous')} "
            f"actions, got num_actions={getattr(reward_module, 'num_actions', None)}; use RND for continuous actions.",
        )
        value_head = actor.head.value if isinstance(actor.head, ActorCritic) else getattr(critic, "head", None)
        require(
            not (config.clip_value_loss and isinstance(value_head, HLGaussVNetwork)),
            "IRPPOConfig.clip_value_loss=True clips a squared error, but an HLGaussVNetwork critic is trained by its "
            "HL-Gauss cross-entropy, which has no clipped form; set clip_value_loss=False.",
        )
        if critic is not None:
            critic = critic.clone(head=_streams(critic.head))
        elif isinstance(actor.head, ActorCritic):
            actor = actor.clone(head=actor.head.clone(value=_streams(actor.head.value)))
        super().__init__(config, env, env_params, actor, critic, actor_optimizer, critic_optimizer)
        self.reward_module = reward_module
        self.reward_optimizer = reward_optimizer

    def init(self, key: PRNGKey) -> IRPPOState:
        """PPO's initial state and a fresh reward module (its optimizer, zero intrinsic returns)."""
        ppo_key, module_key = jax.random.split(key)
        state = super().init(ppo_key)
        variables = self.reward_module.init_variables(module_key, state.timestep.observation, state.timestep.action)
        fields = {field.name: getattr(state, field.name) for field in dataclasses.fields(state)}
        return strong_types(
            IRPPOState(
                **fields,
                intrinsic_variables=variables,
                intrinsic_optimizer_state=self.reward_optimizer.init(variables["params"]),
                intrinsic_return=jnp.zeros((self.config.num_envs,), jnp.float32),
                intrinsic_return_moments=initial_moments(()),
            )
        )

    def _process_rollout(self, state: IRPPOState, result: Rollout) -> Rollout:
        """Scores every transition ``(N, T)``: ``aux["intrinsic_reward"]`` (scaled) and ``aux["intrinsic_return"]``.

        The module's running statistics include this rollout's observations first.
        """
        transitions = result.transitions
        variables = self.reward_module.observe(state.intrinsic_variables, transitions.next_observation)
        reward = self.reward_module.intrinsic_reward(
            variables, transitions.timestep.observation, transitions.next_observation, transitions.action
        )
        returns = jax.vmap(running_returns, in_axes=(0, 0, None))(reward, state.intrinsic_return, self.config.intrinsic_gamma)
        if self.config.normalize_intrinsic_reward:
            reward = reward / std(update_moments(state.intrinsic_return_moments, jnp.ravel(returns)))
        aux = {**transitions.aux, "intrinsic_reward": reward, "intrinsic_return": returns}
        return result._replace(transitions=transitions.replace(aux=aux))

    def _batch(self, transitions: Transition, start_carries: tuple[Carry, Carry], last_value: Array) -> _Batch:
        """PPO's episodic GAE on the extrinsic stream, non-episodic GAE on the intrinsic one.

        Values have a trailing stream axis ``(N, T, 2)``; the advantage is
        ``A_extrinsic + intrinsic_reward_coefficient * A_intrinsic`` ``(N, T)``.
        """
        config = self.config
        aux = transitions.aux
        extrinsic = transitions.replace(
            aux={**aux, "value": aux["value"][..., 0], "truncation_value": aux["truncation_value"][..., 0]}
        )
        batch = super()._batch(extrinsic, start_carries, last_value[..., 0])
        value = aux["value"][..., 1]
        next_value = jnp.concatenate([value[:, 1:], last_value[:, None, 1]], axis=1)  # V_I(o_{t+1}), resets included
        discount = jnp.full_like(value, config.intrinsic_gamma)
        advantage = jax.vmap(generalized_advantage_estimation, in_axes=(0, 0, None, 0, 0))(
            aux["intrinsic_reward"], discount, config.gae_lambda, value, next_value
        )
        return batch._replace(
            value=aux["value"],
            advantage=batch.advantage + config.intrinsic_reward_coefficient * advantage,
            target=jnp.stack([batch.target, advantage + value], axis=-1),
        )

    def _extra_update(
        self, key: PRNGKey, state: IRPPOState, result: Rollout, metrics: dict[str, Array]
    ) -> tuple[IRPPOState, dict[str, Array]]:
        """Trains the reward module on the rollout's transitions and stores the new statistics."""
        config = self.config
        transitions = result.transitions
        # The statistics that scaled this rollout's rewards in _process_rollout.
        variables = self.reward_module.observe(state.intrinsic_variables, transitions.next_observation)
        returns = transitions.aux["intrinsic_return"]
        moments = update_moments(state.intrinsic_return_moments, jnp.ravel(returns))

        def loss(
            params: PyTree, minibatch: tuple[Array, Array, Array], loss_key: PRNGKey
        ) -> tuple[Array, dict[str, Array]]:
            value, module_metrics = self.reward_module.loss({**variables, "params": params}, *minibatch, key=loss_key)
            return value, {"intrinsic_loss": value, **module_metrics}

        def step(carry: tuple, minibatch: tuple[Array, Array, Array]) -> tuple[tuple, dict[str, Array]]:
            params, optimizer_state, step_key = carry
            step_key, loss_key = jax.random.split(step_key)
            params, optimizer_state, step_metrics = gradient_step(
                loss, self.reward_optimizer, params, optimizer_state, minibatch, loss_key
            )
            return (params, optimizer_state, step_key), step_metrics

        data = (transitions.timestep.observation, transitions.next_observation, transitions.action)
        carry = (variables["params"], state.intrinsic_optimizer_state, jax.random.fold_in(key, 2))
        (params, optimizer_state, _), module_metrics = run_epochs(
            jax.random.fold_in(key, 1), carry, data, step, config.update_epochs, config.num_minibatches,
            keep_sequences=False,
        )
        state = state.replace(
            intrinsic_variables={**variables, "params": params},
            intrinsic_optimizer_state=optimizer_state,
            intrinsic_return=returns[:, -1],
            intrinsic_return_moments=moments,
        )
        reward = jnp.mean(transitions.aux["intrinsic_reward"])
        return state, {**metrics, **module_metrics, "intrinsic_reward": reward}
