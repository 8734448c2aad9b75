"""R2D2: recurrent replay with stored states, burn-in, n-step double-Q and prioritised windows.

Kapturowski et al. 2019, "Recurrent Experience Replay in Distributed Reinforcement
Learning". As in the paper, a replayed window is ``sequence_length`` steps long (80 in
its config) and its first ``burn_in_length`` steps (40 there) are the burn-in; windows
start anywhere and carry the carry stored before their first step, from which online
and target networks both restart. Every step after the burn-in is in the loss; the
n-step targets of the last ``n_step - 1`` steps bootstrap with the horizon the window
allows (the return shortens to the steps left, so the last step gets a one-step
target from the true next observation). Targets are n-step double-Q returns under the value
rescaling ``h`` (or, with a ``heads.C51QNetwork``, the categorical projection of the
n-step distribution, value rescaling off); window priorities are ``eta * max |delta| + (1 - eta) * mean |delta|``
and the loss is weighted by importance weights ``(N P)^-beta``. With a plain (uniform)
episode buffer it trains the same way with unit weights.
"""

import dataclasses
from typing import Any

import flax.linen as nn
import optax

from memorax.algorithms._config import check_fraction, check_positive, require
from memorax.algorithms._off_policy import Buffer, check_off_policy, default_buffer
from memorax.algorithms._q_learning import QLearning, QLearningState, Schedule
from memorax.core.typing import EnvParams

R2D2State = QLearningState


@dataclasses.dataclass(frozen=True)
class R2D2Config:
    """R2D2 hyperparameters (validated when built).

    Attributes:
        num_envs: parallel envs (one buffer row each), as in :class:`~memorax.algorithms.DQNConfig`.
        tau: target update weight (1 copies every ``target_update_frequency`` env steps).
        target_update_frequency: env steps between target updates.
        train_frequency: env transitions per gradient update.
        gamma: discount.
        buffer_size: default buffer size (env steps).
        batch_size: windows per update.
        learning_starts: transitions the buffer must hold before the first update.
        epsilon_start: initial exploration rate of the default linear schedule.
        epsilon_finish: final exploration rate.
        epsilon_decay_steps: env steps of the linear decay.
        sequence_length: steps per replayed window, the burn-in included (the buffer's
            ``sample_sequence_length``).
        burn_in_length: leading steps of the window that only warm the stored carry up;
            the other ``sequence_length - burn_in_length`` steps are learned from.
        n_step: horizon of the n-step targets (shortened at the window's end).
        priority_exponent: ``alpha`` of the default prioritised buffer.
        importance_sampling_exponent: ``beta`` of the default (constant) beta schedule.
        priority_eta: ``eta`` of the window priority mix.
        double_q: pick the next action with the online network (on, as in the paper).
        value_rescaling: learn ``h(Q)`` (on, as in the paper).
    """

    num_envs: int = 8
    tau: float = 1.0
    target_update_frequency: int = 2500
    train_frequency: int = 16
    burn_in_length: int = 10
    sequence_length: int = 80
    n_step: int = 5
    priority_exponent: float = 0.9
    importance_sampling_exponent: float = 0.6
    priority_eta: float = 0.9
    gamma: float = 0.997
    double_q: bool = True
    value_rescaling: bool = True
    buffer_size: int = 100_000
    batch_size: int = 32
    learning_starts: int = 10_000
    epsilon_start: float = 1.0
    epsilon_finish: float = 0.05
    epsilon_decay_steps: int = 100_000

    def __post_init__(self) -> None:
        check_off_policy(self)
        check_positive(self, "sequence_length", "n_step", "epsilon_decay_steps")
        check_fraction(
            self, "priority_exponent", "importance_sampling_exponent", "priority_eta", "epsilon_start", "epsilon_finish"
        )
        require(
            self.sequence_length > self.burn_in_length,
            f"R2D2Config.sequence_length={self.sequence_length} must exceed burn_in_length={self.burn_in_length}: "
            "the window is the burn-in plus the learning steps; raise sequence_length.",
        )

    @property
    def replay_length(self) -> int:
        """Steps per replayed window: ``sequence_length`` (the burn-in is its prefix)."""
        return self.sequence_length

    @property
    def learning_steps(self) -> int:
        """Steps of each window in the loss: those after the burn-in."""
        return self.sequence_length - self.burn_in_length


class R2D2(QLearning):
    """R2D2 over a memorax Network with a recurrent torso and a Q-value head.

    ``buffer`` defaults to :func:`~memorax.buffers.make_prioritised_episode_buffer` with
    ``priority_exponent``; ``beta_schedule(step)`` defaults to the constant
    ``importance_sampling_exponent``.

    Example:
        >>> config = R2D2Config(num_envs=8, burn_in_length=10, sequence_length=80, n_step=5)
        >>> agent = R2D2(config, env, env_params, q_network, optax.adam(1e-4))
        >>> state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 10_000)
        >>> state, logs = agent.train(jax.random.key(2), state, 100_000)
    """

    def __init__(
        self,
        config: R2D2Config,
        env: Any,
        env_params: EnvParams,
        q_network: nn.Module,
        optimizer: optax.GradientTransformation,
        buffer: Buffer | None = None,
        epsilon_schedule: Schedule | None = None,
        beta_schedule: Schedule | None = None,
    ) -> None:
        if buffer is None:
            buffer = default_buffer(config, config.replay_length, config.priority_exponent)
        super().__init__(config, env, env_params, q_network, optimizer, buffer, epsilon_schedule, beta_schedule)
