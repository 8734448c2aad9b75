"""DQN: (recurrent) deep Q-learning from replayed windows, double Q and n-step targets.

Mnih et al. 2015, "Human-level control through deep reinforcement learning"; double Q
from van Hasselt et al. 2016 (arXiv:1509.06461); a dueling head is
``heads.DiscreteQNetwork(action_dim, dueling=True)``. With a recurrent torso the
windows carry their stored carry and burn-in (see :mod:`memorax.algorithms._q_learning`).
"""

import dataclasses
from typing import Any

import flax.linen as nn
import optax

from memorax.algorithms._config import check_fraction, check_positive
from memorax.algorithms._off_policy import Buffer, check_off_policy
from memorax.algorithms._q_learning import QLearning, QLearningState, Schedule
from memorax.core.typing import EnvParams

DQNState = QLearningState


@dataclasses.dataclass(frozen=True)
class DQNConfig:
    """DQN hyperparameters (validated when built).

    Attributes:
        num_envs: parallel envs (one buffer row each).
        tau: target update weight; 1 copies the online network every
            ``target_update_frequency`` env steps, < 1 is Polyak averaging.
        target_update_frequency: env steps between target updates (counted in env
            transitions, whatever ``train_frequency`` is).
        train_frequency: env transitions per gradient update (may be below ``num_envs``:
            then several updates follow each vector step).
        burn_in_length: steps replayed before the learning steps only to warm the stored
            carry up (recurrent networks only).
        sequence_length: learning steps per replayed window (1 is classic DQN).
        n_step: horizon of the n-step return targets.
        gamma: discount. double_q: pick the next action with the online network.
        value_rescaling: learn ``h(Q)`` (R2D2's rescaling), off by default.
        buffer_size, batch_size: default buffer size (env steps) and windows per update.
        learning_starts: transitions the buffer must hold (those added by ``warmup``
            included) before the first update; at most the buffer's capacity.
        epsilon_start, epsilon_finish, epsilon_decay_steps: default linear exploration.
        priority_eta, importance_sampling_exponent: used only with a prioritised buffer.
    """

    num_envs: int = 8
    tau: float = 1.0
    target_update_frequency: int = 1000
    train_frequency: int = 4
    burn_in_length: int = 0
    sequence_length: int = 1
    n_step: int = 1
    gamma: float = 0.99
    double_q: bool = True
    value_rescaling: bool = False
    buffer_size: int = 100_000
    batch_size: int = 128
    learning_starts: int = 10_000
    epsilon_start: float = 1.0
    epsilon_finish: float = 0.05
    epsilon_decay_steps: int = 100_000
    priority_eta: float = 0.9
    importance_sampling_exponent: float = 0.4

    def __post_init__(self) -> None:
        check_off_policy(self)
        check_positive(self, "sequence_length", "n_step", "epsilon_decay_steps")
        check_fraction(self, "epsilon_start", "epsilon_finish", "priority_eta", "importance_sampling_exponent")

    @property
    def replay_length(self) -> int:
        """Steps per replayed window: burn-in, learning steps, then the n-step look-ahead,
        so that every learning step gets its full ``n_step`` horizon."""
        return self.burn_in_length + self.sequence_length + self.n_step - 1

    @property
    def learning_steps(self) -> int:
        """Steps of each window in the loss (after the burn-in)."""
        return self.sequence_length


class DQN(QLearning):
    """DQN over a memorax Network whose head returns Q-values (``heads.DiscreteQNetwork``).

    ``buffer`` defaults to a uniform :func:`~memorax.buffers.make_episode_buffer` sized by
    the config (a prioritised buffer also works); ``epsilon_schedule(step)`` defaults to a
    linear decay from the config.

    Example:
        >>> config = DQNConfig(num_envs=8, tau=1.0, target_update_frequency=1000,
        ...     train_frequency=4, burn_in_length=0)
        >>> agent = DQN(config, env, env_params, q_network, optax.adam(3e-4))
        >>> state = agent.warmup(jax.random.key(1), agent.init(jax.random.key(0)), 10_000)
        >>> state, logs = agent.train(jax.random.key(2), state, 100_000)
    """

    def __init__(
        self,
        config: DQNConfig,
        env: Any,
        env_params: EnvParams,
        q_network: nn.Module,
        optimizer: optax.GradientTransformation,
        buffer: Buffer | None = None,
        epsilon_schedule: Schedule | None = None,
    ) -> None:
        super().__init__(config, env, env_params, q_network, optimizer, buffer, epsilon_schedule, None)
