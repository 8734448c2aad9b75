"""``xminigrid::`` MiniGrid and XLand-MiniGrid, with rulesets for meta-RL.

xminigrid steps as ``step(params, timestep, action)`` and does not reset itself. The
adapter auto-resets, reads terminated (``LAST`` with discount 0) and truncated
(``LAST`` with discount 1) from the timestep, and for XLand can draw a new ruleset
(task) from a benchmark every trial: with ``steps_per_trial=n`` the ruleset is kept
for ``n`` steps, across episodes, then the episode is truncated and a new ruleset is
drawn; this lines up with ``memorax.networks.RL2Wrapper(steps_per_trial=n)``.

xminigrid's own benchmarks (``xminigrid.load_benchmark("trivial-1m")``) download
from HuggingFace; any ``xminigrid.benchmarks.Benchmark``, including one built
locally, works the same way.
"""

from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.backends import import_backend, unknown_id
from memorax.environments.spaces import Box, Discrete


@pytree_dataclass
class XMiniGridParams:
    env_params: Any  # xminigrid EnvParams (grid size, view size, max_steps, default ruleset)
    benchmark: Any  # an xminigrid Benchmark to draw rulesets from, or None


@pytree_dataclass
class XMiniGridState:
    timestep: Any  # xminigrid TimeStep
    ruleset: Any  # the current trial's RuleSet (None for MiniGrid tasks)
    trial_step: Array  # int32 steps since the ruleset was drawn


class XMiniGridEnvironment(AutoResetEnvironment):
    """An xminigrid environment as a memorax ``Environment``.

    Observation ``(view, view, 2)`` uint8 (tile, colour), ``Discrete(6)`` actions.

    Args:
        env: an xminigrid environment.
        steps_per_trial: with a benchmark, steps before a new ruleset is drawn
            (``None``: a new ruleset every episode).

    Example:
        >>> env, params = make("xminigrid::XLand-MiniGrid-R1-9x9", benchmark=benchmark, steps_per_trial=256)
    """

    def __init__(self, env: Any, default_params: XMiniGridParams, steps_per_trial: int | None = None) -> None:
        if steps_per_trial is not None and steps_per_trial < 1:
            raise ValueError(f"steps_per_trial must be a positive number of steps or None, got {steps_per_trial}.")
        if default_params.benchmark is not None and not hasattr(default_params.env_params, "ruleset"):
            raise ValueError(f"{type(env).__name__} has no rulesets; pass a benchmark only to XLand-MiniGrid envs.")
        self.env = env
        self._default_params = default_params
        self.steps_per_trial = steps_per_trial

    @property
    def default_params(self) -> XMiniGridParams:
        return self._default_params

    def observation_space(self, params: XMiniGridParams) -> Box:
        return Box(0, 255, self.env.observation_shape(params.env_params), jnp.uint8)

    def action_space(self, params: XMiniGridParams) -> Discrete:
        return Discrete(self.env.num_actions(params.env_params))

    def _start(self, key: PRNGKey, ruleset: Any, params: XMiniGridParams) -> tuple[Array, XMiniGridState]:
        env_params = params.env_params if ruleset is None else params.env_params.replace(ruleset=ruleset)
        timestep = self.env.reset(env_params, key)
        return timestep.observation, XMiniGridState(timestep, ruleset, jnp.int32(0))

    def reset_env(self, key: PRNGKey, params: XMiniGridParams) -> tuple[Array, XMiniGridState]:
        ruleset_key, reset_key = jax.random.split(key)
        if params.benchmark is not None:
            ruleset = params.benchmark.sample_ruleset(ruleset_key)
        else:
            ruleset = getattr(params.env_params, "ruleset", None)
        return self._start(reset_key, ruleset, params)

    def next_episode(self, key: PRNGKey, final_state: XMiniGridState, params: XMiniGridParams):
        if params.benchmark is None or self.steps_per_trial is None:
            return self.reset_env(key, params)
        obs, state = self._start(key, final_state.ruleset, params)
        trial_over = final_state.trial_step >= self.steps_per_trial
        new_obs, new_state = self.reset_env(key, params)
        keep = lambda new, old: jnp.where(trial_over, new, old)  # noqa: E731
        return keep(new_obs, obs), jax.tree.map(keep, new_state, state.replace(trial_step=final_state.trial_step))

    def step_env(self, key: PRNGKey, state: XMiniGridState, action: Array, params: XMiniGridParams):
        env_params = params.env_params if state.ruleset is None else params.env_params.replace(ruleset=state.ruleset)
        timestep = self.env.step(env_params, state.timestep, action)
        last = timestep.last()
        terminated = last & (timestep.discount == 0)
        truncated = last & (timestep.discount == 1)
        trial_step = state.trial_step + 1
        if params.benchmark is not None and self.steps_per_trial is not None:
            truncated = truncated | (~terminated & (trial_step >= self.steps_per_trial))
        state = XMiniGridState(timestep, state.ruleset, trial_step)
        return timestep.observation, state, timestep.reward, terminated, truncated, {}


def ids() -> list[str]:
    return list(import_backend("xminigrid", "xminigrid").registered_environments())


def make(
    name: str, benchmark: Any = None, steps_per_trial: int | None = None, **kwargs: Any
) -> tuple[XMiniGridEnvironment, XMiniGridParams]:
    """``kwargs`` go to ``xminigrid.make`` (e.g. ``max_steps``, ``view_size``; ``ruleset`` for one fixed XLand task)."""
    xminigrid = import_backend("xminigrid", "xminigrid")
    if name not in xminigrid.registered_environments():
        raise unknown_id("xminigrid", name, xminigrid.registered_environments())
    env, env_params = xminigrid.make(name, **kwargs)
    adapter = XMiniGridEnvironment(env, XMiniGridParams(env_params, benchmark), steps_per_trial)
    return adapter, adapter.default_params
