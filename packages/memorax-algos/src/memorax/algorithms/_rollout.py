"""The vectorised environment loop every algorithm shares.

A policy is a function ``act(key, carry, timestep, env_state) -> (carry, action, aux)``
on a batch of envs: ``timestep`` holds ``(o_t, a_{t-1}, r_{t-1}, done_t)`` with the env
axis leading (the previous action and reward are zero where ``done_t``), ``carry`` is
whatever the policy threads (network carries, ``None`` for stateless networks) and
``aux`` is a dict of per-env extras stored in ``Transition.aux`` (log-probabilities,
values, Q-values, ...). ``env_state`` is given for policies that read it (a centralised
critic's global state).

An optional ``bootstrap(carry, transition, env_state) -> dict`` runs after the env step
with the carry *after* ``o_t``, the transition (its ``aux`` already set; its
``next_observation`` is the true next observation, the final one where the episode
ended) and the env states after the step. Algorithms use it to evaluate
``V(o_{t+1})`` or ``max_a Q(o_{t+1}, a)`` for targets that bootstrap through
truncations; its dict is merged into ``aux``.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from memorax.algorithms._logs import episode_logs
from memorax.algorithms._tree import strong_types, swap_leading_axes
from memorax.core.protocols import MultiAgentEnvironment
from memorax.core.timestep import Timestep, Transition, first_timestep, next_timestep
from memorax.core.typing import Array, Carry, EnvParams, EnvState, PRNGKey

Act = Callable[[PRNGKey, Carry, Timestep, EnvState], tuple[Carry, Array, dict[str, Array]]]
Bootstrap = Callable[[Carry, Transition, EnvState], dict[str, Array]]


class Rollout(NamedTuple):
    """What :func:`rollout` returns.

    Attributes:
        env_state, timestep, carry: the loop state after the last step (env axis leading).
        transitions: :class:`Transition` batch-major ``(num_envs, num_steps, ...)``.
        logs: episode statistics time-major ``(num_steps, num_envs, ...)``.
    """

    env_state: EnvState
    timestep: Timestep
    carry: Carry
    transitions: Transition
    logs: dict[str, Array]


def _agent_shape(env: Any) -> tuple[int, ...]:
    return (env.num_agents,) if isinstance(env, MultiAgentEnvironment) else ()


def reset_envs(key: PRNGKey, env: Any, env_params: EnvParams, num_envs: int) -> tuple[Timestep, EnvState]:
    """Resets ``num_envs`` envs: the first timestep (done set, zero previous action/reward) and states.

    A multi-agent env gets an agent axis after the env axis on actions and rewards. The
    reset is compiled even when called eagerly (from ``init``): op-by-op dispatch of a
    large reset (MJX's takes ~40 s on CPU) costs far more than compiling it (~8 s).
    """
    reset = jax.jit(lambda keys: jax.vmap(env.reset, in_axes=(0, None))(keys, env_params))
    observation, env_state = reset(jax.random.split(key, num_envs))
    space = env.action_space(env_params)
    batch = (num_envs, *_agent_shape(env))
    action = jnp.zeros((*batch, *space.shape), space.dtype)
    timestep = first_timestep(observation, action, jnp.zeros(batch, jnp.float32))
    return strong_types(timestep), strong_types(env_state)


def step_envs(
    key: PRNGKey, env: Any, env_params: EnvParams, env_state: EnvState, timestep: Timestep, action: Array
) -> tuple[Timestep, EnvState, Transition, dict[str, Any]]:
    """Steps every env once with ``action`` (env axis leading).

    Returns the next timestep (``done`` = terminated or truncated, previous action and
    reward zeroed there), the new env states (dtypes of ``env_state`` kept strong), the
    transition ``(timestep, action, reward, terminated, truncated, next_observation)``
    with ``next_observation = info["final_observation"]``, and ``info``.
    """
    return step_envs_with_keys(
        jax.random.split(key, jnp.shape(timestep.done)[0]), env, env_params, env_state, timestep, action
    )


def step_envs_with_keys(
    keys: PRNGKey, env: Any, env_params: EnvParams, env_state: EnvState, timestep: Timestep, action: Array
) -> tuple[Timestep, EnvState, Transition, dict[str, Any]]:
    """:func:`step_envs` with one key per env already split, ``keys`` ``(num_envs,)``."""
    observation, new_state, reward, terminated, truncated, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
        keys, env_state, action, env_params
    )
    new_state = jax.tree.map(lambda new, old: jax.lax.convert_element_type(new, old.dtype), new_state, env_state)
    reward = jnp.asarray(reward, jnp.float32)
    terminated = jnp.asarray(terminated, bool)
    truncated = jnp.asarray(truncated, bool)
    transition = Transition(
        timestep=timestep,
        action=action,
        reward=reward,
        terminated=terminated,
        truncated=truncated,
        next_observation=info["final_observation"],
    )
    next_ts = next_timestep(observation, action, reward, terminated, truncated)
    next_ts = jax.tree.map(lambda new, old: jax.lax.convert_element_type(new, old.dtype), next_ts, timestep)
    return next_ts, new_state, transition, info


def rollout(
    key: PRNGKey,
    env: Any,
    env_params: EnvParams,
    act: Act,
    env_state: EnvState,
    timestep: Timestep,
    carry: Carry,
    num_steps: int,
    bootstrap: Bootstrap | None = None,
    store_carry: bool = False,
) -> Rollout:
    """Runs ``act`` for ``num_steps`` vector steps with ``lax.scan``.

    With ``store_carry`` each transition keeps the policy carry *before* ``o_t``
    (for replay that restarts sequences anywhere). Every step's keys are split in one
    vectorised call before the loop: on CPU each ``jax.random.split`` inside the loop
    is a small rolled loop of its own.
    """
    num_envs = jnp.shape(timestep.done)[0]

    def step(loop: tuple[EnvState, Timestep, Carry], step_keys: PRNGKey):
        env_state, timestep, carry = loop
        new_carry, action, aux = act(step_keys[0], carry, timestep, env_state)
        next_ts, env_state, transition, info = step_envs_with_keys(
            step_keys[1:], env, env_params, env_state, timestep, action
        )
        transition = transition.replace(aux=aux, carry=carry if store_carry else None)
        if bootstrap is not None:
            transition = transition.replace(aux={**aux, **bootstrap(new_carry, transition, env_state)})
        return (env_state, next_ts, new_carry), (transition, episode_logs(info))

    (env_state, timestep, carry), (transitions, logs) = jax.lax.scan(
        step, (env_state, timestep, carry), jax.random.split(key, (num_steps, 1 + num_envs))
    )
    return Rollout(env_state, timestep, carry, swap_leading_axes(transitions), logs)


def when_truncated(bootstrap: Bootstrap) -> Bootstrap:
    """``bootstrap`` run only at vector steps where some env was truncated; zeros elsewhere.

    For algorithms that need the value of the true final observation only where an
    episode was cut by a time limit (elsewhere ``V(o_{t+1})`` is the next step's value,
    see :func:`memorax.algorithms._returns.next_values`): the extra network pass is
    skipped on steps without a truncation. Under ``jax.vmap`` the condition becomes a
    select and both branches run, as without it.
    """

    def lazy(carry: Carry, transition: Transition, env_state: EnvState) -> dict[str, Array]:
        shapes = jax.eval_shape(bootstrap, carry, transition, env_state)
        zeros = lambda *_: jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        return jax.lax.cond(jnp.any(transition.truncated), bootstrap, zeros, carry, transition, env_state)

    return lazy
