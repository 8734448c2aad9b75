"""The replay loop DQN, R2D2 and SAC share: act, store, learn, update targets.

One *iteration* collects ``lcm(num_envs, train_frequency)`` env transitions (so that
``train_frequency`` counts env transitions per gradient update whatever ``num_envs``
is), stores every transition with the acting carry *before* its observation, then,
once the buffer can be sampled and holds ``learning_starts`` transitions (those added
by ``warmup`` count), runs ``lcm / train_frequency`` updates and the target-network updates whose period
was crossed. ``warmup`` fills the buffer with uniformly random actions (the networks
still run, so that stored carries are real). ``evaluate`` uses fresh envs and carries
and touches neither the buffer nor the step counter. A ``train`` budget that is not a
multiple of one iteration is rounded up to whole iterations (``logs["step"]`` says how
many transitions were trained).
"""

import math
from typing import Any

import jax
import jax.numpy as jnp

from memorax.algorithms._agent import JittedAlgorithm
from memorax.algorithms._config import check_fraction, check_positive, require, updates_for
from memorax.algorithms._evaluate import evaluation_logs
from memorax.algorithms._logs import training_logs
from memorax.algorithms._rollout import Act, rollout
from memorax.algorithms._targets import target_updates
from memorax.algorithms._tree import swap_leading_axes
from memorax.buffers import (
    EpisodeBuffer,
    PrioritisedEpisodeBuffer,
    make_episode_buffer,
    make_prioritised_episode_buffer,
    stored_steps,
)
from memorax.core.logs import Logs
from memorax.core.timestep import Transition
from memorax.core.typing import Array, Carry, PRNGKey, PyTree

Buffer = EpisodeBuffer | PrioritisedEpisodeBuffer


def check_off_policy(config: Any) -> None:
    """The fields every off-policy config shares."""
    check_positive(
        config, "num_envs", "train_frequency", "target_update_frequency", "buffer_size", "batch_size"
    )
    check_fraction(config, "gamma", "tau")
    name = type(config).__name__
    require(config.tau > 0, f"{name}.tau must be in (0, 1] (1 copies the online network), got {config.tau}.")
    require(config.learning_starts >= 0, f"{name}.learning_starts must be >= 0, got {config.learning_starts}.")
    require(config.burn_in_length >= 0, f"{name}.burn_in_length must be >= 0, got {config.burn_in_length}.")


def check_burn_in(config: Any, recurrent: bool) -> None:
    """Burn-in needs a carry to warm up."""
    require(
        recurrent or config.burn_in_length == 0,
        f"{type(config).__name__}.burn_in_length={config.burn_in_length} needs a recurrent torso; "
        "set burn_in_length=0 or use e.g. RNN(cell=nn.GRUCell(...)).",
    )


def default_buffer(config: Any, window: int, priority_exponent: float | None = None) -> Buffer:
    """Replay of ``window``-step sequences sized by the config: uniform, or prioritised
    with ``priority_exponent``."""
    sizes = dict(
        max_length=max(config.buffer_size, window * config.num_envs),
        min_length=max(config.batch_size, window * config.num_envs),
        sample_batch_size=config.batch_size,
        sample_sequence_length=window,
        add_batch_size=config.num_envs,
    )
    if priority_exponent is None:
        return make_episode_buffer(**sizes)
    return make_prioritised_episode_buffer(**sizes, priority_exponent=priority_exponent)


def check_buffer(config: Any, buffer: Buffer, window: int) -> None:
    """A user-made buffer must fit the config: a memorax.buffers buffer, one row per env,
    windows of the right length, room for ``learning_starts`` transitions."""
    name = type(config).__name__
    if not isinstance(buffer, (EpisodeBuffer, PrioritisedEpisodeBuffer)):
        raise TypeError(
            f"{name[:-len('Config')]} needs a memorax.buffers buffer (windows that start at any step with "
            f"their stored carries), got {type(buffer).__module__}.{type(buffer).__qualname__}; build it with "
            f"memorax.buffers.make_episode_buffer(..., add_batch_size={config.num_envs}, "
            f"sample_sequence_length={window}) or make_prioritised_episode_buffer(...), or pass None."
        )
    require(
        buffer.add_batch_size == config.num_envs,
        f"the buffer's add_batch_size={buffer.add_batch_size} must equal {name}.num_envs={config.num_envs}.",
    )
    require(
        buffer.sample_sequence_length == window,
        f"the buffer's sample_sequence_length={buffer.sample_sequence_length} must be {window} for this "
        f"{name}; build it with sample_sequence_length={window}.",
    )
    capacity = buffer.max_length_time_axis * buffer.add_batch_size
    require(
        config.learning_starts <= capacity,
        f"{name}.learning_starts={config.learning_starts} exceeds the {capacity} transitions the buffer "
        "holds, so learning would never start; lower learning_starts or enlarge the buffer.",
    )


def add_transitions(buffer: Buffer, buffer_state: Any, transitions: Transition) -> Any:
    """Appends ``(num_envs, K, ...)`` transitions to the buffer, one step at a time."""

    def add(buffer_state: Any, step: Transition) -> tuple[Any, None]:
        return buffer.add(buffer_state, step), None

    buffer_state, _ = jax.lax.scan(add, buffer_state, swap_leading_axes(transitions))
    return buffer_state


class OffPolicyAlgorithm(JittedAlgorithm):
    """Base of the replay algorithms. Subclasses set ``config``, ``env``, ``env_params``,
    ``buffer`` and implement:

    * ``_policy(state, explore) -> act`` (see :mod:`memorax.algorithms._rollout`); with
      ``explore=None`` the evaluation policy, with ``"random"`` uniform actions;
    * ``_learn(state, key) -> (state, metrics)``: one gradient update from the buffer;
    * ``_update_targets(state, count) -> state``: ``count`` target-network updates;
    * ``_fresh_carry(key) -> carry``: the acting carry of fresh episodes.

    The state must have ``step``, ``timestep``, ``env_state``, ``carry`` and ``buffer_state``.
    """

    config: Any
    buffer: Buffer

    def _policy(self, state: Any, explore: Any) -> Act:
        raise NotImplementedError

    def _learn(self, state: Any, key: PRNGKey) -> tuple[Any, dict[str, Array]]:
        raise NotImplementedError

    def _update_targets(self, state: Any, count: Array) -> Any:
        raise NotImplementedError

    def _fresh_carry(self, key: PRNGKey) -> Carry:
        raise NotImplementedError

    @property
    def _iteration(self) -> tuple[int, int]:
        """``(vector steps, updates)`` per iteration."""
        transitions = math.lcm(self.config.num_envs, self.config.train_frequency)
        return transitions // self.config.num_envs, transitions // self.config.train_frequency

    def _collect(self, key: PRNGKey, state: Any, act: Act, num_vector_steps: int) -> tuple[Any, dict]:
        result = rollout(
            key, self.env, self.env_params, act, state.env_state, state.timestep, state.carry,
            num_vector_steps, store_carry=True,
        )
        state = state.replace(
            timestep=result.timestep,
            env_state=result.env_state,
            carry=result.carry,
            buffer_state=add_transitions(self.buffer, state.buffer_state, result.transitions),
        )
        return state, result.logs

    def warmup(self, key: PRNGKey, state: Any, num_steps: int) -> Any:
        """Adds ``num_steps`` (rounded up to whole vector steps) uniformly random transitions."""
        vector_steps = max(1, math.ceil(num_steps / self.config.num_envs))
        return self._jitted_warmup(key, state, vector_steps)

    def __init__(self) -> None:
        super().__init__()
        self._jitted_warmup = jax.jit(
            lambda key, state, n: self._collect(key, state, self._policy(state, "random"), n)[0],
            static_argnums=2,
        )

    def _train(self, key: PRNGKey, state: Any, num_steps: int) -> tuple[Any, Logs]:
        vector_steps, num_updates = self._iteration
        per_iteration = vector_steps * self.config.num_envs
        # A budget that is not a multiple of one iteration is rounded up to whole iterations.
        num_iterations = updates_for(self.config, num_steps, per_iteration)

        def iteration(state: Any, key: PRNGKey) -> tuple[Any, tuple]:
            rollout_key, learn_key = jax.random.split(key)
            before = state.step
            state, episodes = self._collect(rollout_key, state, self._policy(state, True), vector_steps)
            state = state.replace(step=before + per_iteration)
            # Warmup transitions count: learning starts once the buffer holds learning_starts.
            stored = stored_steps(state.buffer_state)
            ready = self.buffer.can_sample(state.buffer_state) & (stored >= self.config.learning_starts)

            def learn(state: Any) -> tuple[Any, dict]:
                state, metrics = jax.lax.scan(self._learn, state, jax.random.split(learn_key, num_updates))
                return state, jax.tree.map(jnp.mean, metrics)

            def wait(state: Any) -> tuple[Any, dict]:
                shapes = jax.eval_shape(learn, state)[1]
                return state, jax.tree.map(lambda s: jnp.full(s.shape, jnp.nan, s.dtype), shapes)

            state, metrics = jax.lax.cond(ready, learn, wait, state)
            count = target_updates(before, per_iteration, self.config.target_update_frequency)
            return self._update_targets(state, count), (episodes, metrics)

        state, (episodes, losses) = jax.lax.scan(
            iteration, state, jax.random.split(key, num_iterations)
        )
        return state, training_logs(state.step, episodes, losses)

    def _evaluate(self, key: PRNGKey, state: Any, num_steps: int) -> Logs:
        carry_key, run_key = jax.random.split(key)
        return evaluation_logs(
            run_key, self.env, self.env_params, self._policy(state, None), self._fresh_carry(carry_key),
            self.config.num_envs, num_steps, state.step,
        )


def stored_carry(window: Transition) -> PyTree:
    """The carry before a ``(B, S)`` window's first step."""
    return jax.tree.map(lambda x: x[:, 0], window.carry)

