"""The algorithms ``memorax train --algo NAME`` offers: one :class:`Entry` per algorithm.

An entry names the algorithm's config class, the CLI's defaults for it (sizes that
train in minutes on a CPU), what the env must be, how many env steps one update takes
and how many optimizer steps it makes (for the learning-rate schedule), and how to
build the agent from a :class:`Parts` kit of networks and optimizers. A new algorithm
is one more entry in :data:`REGISTRY`.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal


@dataclasses.dataclass(frozen=True)
class Parts:
    """What an entry builds its agent from.

    ``network(head)`` is a fresh ``Network(encoder, torso, head)`` sized by the
    experiment; ``optimizer()`` a fresh optimizer with the experiment's learning-rate
    schedule; ``action_dim`` the env's number of actions (discrete) or action size;
    ``encoder(extra_layers=0, activate_final=True)`` a fresh observation MLP like the
    networks' (``encoder_layers + extra_layers`` layers, grid observations flattened),
    e.g. for a reward module's feature networks.
    """

    network: Callable[[Any], Any]
    optimizer: Callable[[], Any]
    action_dim: int
    discrete: bool
    encoder: Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One algorithm of the CLI.

    Attributes:
        config_class: the algorithm's frozen config dataclass.
        defaults: the CLI's defaults for fields of ``config_class``.
        build: ``(config, env, env_params, parts) -> agent``.
        steps_per_update: env transitions (all envs) of one ``train`` unit.
        optimizer_steps: ``(config, num_updates) -> gradient steps per optimizer`` over the
            run, the length of the learning-rate schedule.
        learning_rate: the CLI's default initial step size.
        actions: the action spaces it supports.
        multi_agent: needs a multi-agent env (jaxmarl).
        uses_optimizer: ``False`` for algorithms with their own step sizes (StreamAC),
            so that the optimizer flags are not silently ignored in sweeps.
    """

    config_class: type
    build: Callable[[Any, Any, Any, Parts], Any]
    steps_per_update: Callable[[Any], int]
    optimizer_steps: Callable[[Any, int], int]
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    learning_rate: float = 3e-3
    actions: Literal["discrete", "continuous", "any"] = "any"
    multi_agent: bool = False
    uses_optimizer: bool = True

    def default_config(self) -> Any:
        return self.config_class(**self.defaults)


def _rollout_steps(config: Any) -> int:
    return config.num_envs * config.num_steps


def _epoch_steps(config: Any, num_updates: int) -> int:
    return num_updates * config.update_epochs * config.num_minibatches


def _replay_steps(config: Any) -> int:
    return math.lcm(config.num_envs, config.train_frequency)


def _replay_optimizer_steps(config: Any, num_updates: int) -> int:
    """Gradient updates after ``learning_starts`` (each replay iteration makes lcm / train_frequency)."""
    per_iteration = _replay_steps(config)
    waiting = math.ceil(config.learning_starts / per_iteration)
    per_update = per_iteration // config.train_frequency * getattr(config, "gradient_steps", 1)
    return max(num_updates - waiting, 1) * per_update


def _policy_head(parts: Parts) -> Any:
    from memorax.networks import heads

    return (heads.Categorical if parts.discrete else heads.Gaussian)(action_dim=parts.action_dim)


def _actor_critic(agent_class: Any) -> Callable[[Any, Any, Any, Parts], Any]:
    def build(config: Any, env: Any, env_params: Any, parts: Parts) -> Any:
        from memorax.networks import heads

        actor, critic = parts.network(_policy_head(parts)), parts.network(heads.VNetwork())
        return agent_class(config, env, env_params, actor, critic, parts.optimizer(), parts.optimizer())

    return build


def _q_learning(agent_class: Any) -> Callable[[Any, Any, Any, Parts], Any]:
    def build(config: Any, env: Any, env_params: Any, parts: Parts) -> Any:
        from memorax.networks import heads

        return agent_class(
            config, env, env_params, parts.network(heads.DiscreteQNetwork(action_dim=parts.action_dim)),
            parts.optimizer(),
        )

    return build


def _stream_ac(config: Any, env: Any, env_params: Any, parts: Parts) -> Any:
    from memorax.algorithms import StreamAC
    from memorax.networks import heads

    return StreamAC(config, env, env_params, parts.network(_policy_head(parts)), parts.network(heads.VNetwork()))


def _reward_module(config: Any, parts: Parts) -> Any:
    """RND: a random target one layer deeper than the encoder, a predictor two layers deeper (the paper's
    predictor is the deeper one), both ending linear. ICM: the encoder as ``phi``, one-layer forward and
    inverse models."""
    from memorax.algorithms import ICM, RND
    from memorax.networks import MLP

    if config.intrinsic == "rnd":
        return RND(target=parts.encoder(1, activate_final=False), predictor=parts.encoder(2, activate_final=False))
    if not parts.discrete:
        raise ValueError(
            "--intrinsic icm infers discrete actions from its inverse model, but this env's actions are "
            "continuous; use --intrinsic rnd."
        )
    encoder = parts.encoder()
    width = (encoder.features[-1],)
    return ICM(encoder=encoder, forward_model=MLP(features=width), inverse_model=MLP(features=width),
               num_actions=parts.action_dim)  # fmt: skip


def _irppo(config: Any, env: Any, env_params: Any, parts: Parts) -> Any:
    from memorax.algorithms import IRPPO
    from memorax.networks import heads

    actor, critic = parts.network(_policy_head(parts)), parts.network(heads.VNetwork())
    return IRPPO(
        config, env, env_params, actor, critic, parts.optimizer(), parts.optimizer(),
        _reward_module(config, parts), parts.optimizer(),
    )  # fmt: skip


def _vector_steps(config: Any) -> int:
    return config.num_envs


def _sac(config: Any, env: Any, env_params: Any, parts: Parts) -> Any:
    from memorax.algorithms import SAC
    from memorax.networks import heads

    actor = parts.network(heads.SquashedGaussian(action_dim=parts.action_dim))
    critic = parts.network(heads.TwinContinuousQNetwork(hidden_features=(64, 64)))
    return SAC(
        config, env, env_params, actor, critic, heads.Alpha(),
        parts.optimizer(), parts.optimizer(), parts.optimizer(),
    )  # fmt: skip


_ROLLOUT = {"num_envs": 16, "num_steps": 64, "num_minibatches": 4}


def registry() -> dict[str, Entry]:
    """Every algorithm of ``memorax.algorithms`` the CLI can train, by ``--algo`` name."""
    from memorax import algorithms as a

    entries = {
        "ppo": Entry(a.PPOConfig, _actor_critic(a.PPO), _rollout_steps, _epoch_steps, _ROLLOUT),
        "irppo": Entry(a.IRPPOConfig, _irppo, _rollout_steps, _epoch_steps, _ROLLOUT),
        "mappo": Entry(
            a.MAPPOConfig, _actor_critic(a.MAPPO), _rollout_steps, _epoch_steps, _ROLLOUT, multi_agent=True
        ),
        "ippo": Entry(
            a.IPPOConfig, _actor_critic(a.IPPO), _rollout_steps, _epoch_steps, _ROLLOUT, multi_agent=True
        ),
        "pqn": Entry(
            a.PQNConfig, _q_learning(a.PQN), _rollout_steps, _epoch_steps,
            {**_ROLLOUT, "epsilon_decay_steps": 40_000}, actions="discrete",
        ),
        "dqn": Entry(
            a.DQNConfig, _q_learning(a.DQN), _replay_steps, _replay_optimizer_steps,
            {"num_envs": 16, "train_frequency": 16, "target_update_frequency": 1000, "n_step": 3,
             "buffer_size": 50_000, "batch_size": 64, "learning_starts": 4_000, "epsilon_decay_steps": 40_000},
            learning_rate=1e-3, actions="discrete",
        ),
        "r2d2": Entry(
            a.R2D2Config, _q_learning(a.R2D2), _replay_steps, _replay_optimizer_steps,
            {"num_envs": 16, "train_frequency": 16, "target_update_frequency": 1000, "burn_in_length": 4,
             "sequence_length": 8, "n_step": 3, "gamma": 0.9, "buffer_size": 50_000, "batch_size": 32,
             "learning_starts": 2_000, "epsilon_decay_steps": 30_000},
            learning_rate=1e-3, actions="discrete",
        ),
        "sac": Entry(
            a.SACConfig, _sac, _replay_steps, _replay_optimizer_steps,
            {"num_envs": 4, "train_frequency": 2, "buffer_size": 50_000, "batch_size": 128, "learning_starts": 2_000},
            learning_rate=1e-3, actions="continuous",
        ),
        "gradientppo": Entry(
            a.GradientPPOConfig, _actor_critic(a.GradientPPO), _rollout_steps, _epoch_steps,
            {**_ROLLOUT, "truncation_length": 16},
        ),
        "streamac": Entry(
            a.StreamACConfig, _stream_ac, _vector_steps, lambda config, updates: 0, uses_optimizer=False,
        ),
        "qrc": Entry(
            a.QRCConfig, _q_learning(a.QRC), _vector_steps, lambda config, updates: updates,
            learning_rate=1e-3, actions="discrete",
        ),
    }  # fmt: skip
    return entries
