"""Evaluation runs: fresh envs and carries, nothing written back to the training state."""

from typing import Any

import jax

from memorax.algorithms._logs import step_log
from memorax.algorithms._rollout import Act, reset_envs, rollout
from memorax.algorithms._steps import StepCount
from memorax.core.logs import STEP, Logs
from memorax.core.typing import Array, Carry, EnvParams, PRNGKey


def evaluation_logs(
    key: PRNGKey,
    env: Any,
    env_params: EnvParams,
    act: Act,
    carry: Carry,
    num_envs: int,
    num_steps: int,
    step: StepCount | Array,
) -> Logs:
    """Runs ``act`` from reset envs and ``carry`` for ``ceil(num_steps / num_envs)`` vector steps.

    A budget that is not a multiple of ``num_envs`` is rounded up to whole vector
    steps (as ``train`` rounds up to whole updates), so ``evaluate(key, state, 100)``
    with 8 envs runs 13 vector steps (104 transitions). Returns logs with the
    training ``step`` and the episode statistics ``(vector_steps, num_envs, ...)``.
    """
    if num_steps <= 0:
        raise ValueError(f"evaluate num_steps={num_steps} must be positive (env transitions summed over envs).")
    vector_steps = -(-num_steps // num_envs)
    reset_key, rollout_key = jax.random.split(key)
    timestep, env_state = reset_envs(reset_key, env, env_params, num_envs)
    result = rollout(rollout_key, env, env_params, act, env_state, timestep, carry, vector_steps)
    return {STEP: step_log(step), **result.logs}
