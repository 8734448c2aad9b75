"""Structural interfaces between the memorax packages.

Packages depend on these protocols, never on each other's classes: algorithms take
any object that satisfies :class:`Environment`, any Flax module that satisfies
:class:`SequenceModel` as a torso, and return :data:`~memorax.core.logs.Logs` that any
:class:`Logger` accepts. Raw gymnax (>= 1.0) environments satisfy
:class:`Environment` as they are.
"""

from typing import Any, Protocol, runtime_checkable

from memorax.core.logs import Logs
from memorax.core.typing import (
    Action,
    Array,
    Carry,
    EnvParams,
    EnvState,
    Info,
    Observation,
    PRNGKey,
    PyTree,
)


@runtime_checkable
class Space(Protocol):
    """An observation or action space (gymnax's spaces satisfy it)."""

    shape: tuple[int, ...]
    dtype: Any

    def sample(self, key: PRNGKey) -> Array: ...


@runtime_checkable
class DiscreteSpace(Space, Protocol):
    """Integer actions ``0 .. n - 1``."""

    n: int


@runtime_checkable
class BoxSpace(Space, Protocol):
    """Real vectors bounded element-wise by ``low`` and ``high``."""

    low: Any
    high: Any


@runtime_checkable
class Environment(Protocol):
    """A single-agent, auto-resetting JAX environment (gymnax >= 1.0 step signature).

    ``step`` returns ``(observation, state, reward, terminated, truncated, info)``.
    Where ``terminated | truncated`` is true the returned observation and state are
    those of the *next* episode's first step, and ``info["final_observation"]``
    holds the true last observation of the finished episode (equal to the returned
    observation elsewhere), so that algorithms can bootstrap through truncations.
    All arguments and results are unbatched; algorithms ``jax.vmap`` over envs.
    """

    @property
    def default_params(self) -> EnvParams: ...

    def reset(self, key: PRNGKey, params: EnvParams) -> tuple[Observation, EnvState]: ...

    def step(
        self, key: PRNGKey, state: EnvState, action: Action, params: EnvParams
    ) -> tuple[Observation, EnvState, Array, Array, Array, Info]: ...

    def observation_space(self, params: EnvParams) -> Space: ...

    def action_space(self, params: EnvParams) -> Space: ...


@runtime_checkable
class MultiAgentEnvironment(Environment, Protocol):
    """An :class:`Environment` whose per-agent arrays carry a leading agent axis.

    Observations are ``(num_agents, ...)``, actions ``(num_agents, ...)``, rewards,
    ``terminated`` and ``truncated`` ``(num_agents,)``. Spaces describe one agent
    (all agents share them). ``global_state`` gives the input of a centralised
    critic, one row per agent: ``(num_agents, state_features)``.
    """

    @property
    def num_agents(self) -> int: ...

    def global_state(self, state: EnvState, params: EnvParams) -> Array: ...


@runtime_checkable
class SequenceModel(Protocol):
    """A torso that maps a batch of sequences to outputs, threading a carry.

    ``inputs`` are ``(B, T, F)`` and ``done`` is ``(B, T)`` (true where step ``t``
    starts a new episode: the state is reset *before* processing it). Extra keyword
    arguments are accepted and ignored where unused. All state lives in the carry:
    one call on a whole sequence, ``T`` calls of length one, or any chunking give the
    same outputs and final carry.
    """

    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]: ...

    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry: ...


@runtime_checkable
class Algorithm(Protocol):
    """An RL algorithm: pure functions over an explicit state pytree.

    ``num_steps`` counts environment transitions (summed over parallel envs).
    ``train`` is jit-compiled and does not recompile for repeated calls with the same
    ``num_steps``; ``evaluate`` never changes the training state.
    """

    def init(self, key: PRNGKey) -> PyTree: ...

    def warmup(self, key: PRNGKey, state: PyTree, num_steps: int) -> PyTree: ...

    def train(self, key: PRNGKey, state: PyTree, num_steps: int) -> tuple[PyTree, Logs]: ...

    def evaluate(self, key: PRNGKey, state: PyTree, num_steps: int) -> Logs: ...


@runtime_checkable
class Logger(Protocol):
    """A host-side sink for the logs that ``train`` and ``evaluate`` return."""

    def log(self, logs: Logs, step: int) -> None: ...

    def finish(self) -> None: ...
