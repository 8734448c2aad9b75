"""Shared rollout machinery for the environment tests: one jit(vmap(scan)) per call."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

QUICK_COMPILE = {"xla_backend_optimization_level": 0}
QUICK_COMPILE_MAX_STEPS = 512  # longer rollouts (1024-step mazes) run 3x slower unoptimised than they save


def _rollout(env, params, policies, num_envs, num_steps, seed=0):
    """Runs scripted policies in ``num_envs`` envs each, in one jit(vmap(scan)).

    ``policies`` is a list of ``(policy, memory)``: ``policy(obs, memory, first, key) ->
    (action, memory)`` acts for one env, ``memory`` is one env's initial policy memory.
    Group ``g`` owns envs ``g * num_envs .. (g + 1) * num_envs - 1``. Returns host arrays
    with a leading (steps, envs) shape: the observation each action was taken on,
    ``first`` (it starts an episode), action, reward, terminated, truncated,
    final_observation and the full info, plus the final env state.
    """
    total = num_envs * len(policies)

    def act(observations, memories, first, key):
        actions, new_memories = [], []
        keys = jax.random.split(key, total)
        for g, (policy, _) in enumerate(policies):
            part = slice(g * num_envs, (g + 1) * num_envs)
            action, memory = jax.vmap(policy)(
                jax.tree.map(lambda x, part=part: x[part], observations), memories[g], first[part], keys[part]
            )
            actions.append(action)
            new_memories.append(memory)
        return jax.tree.map(lambda *xs: jnp.concatenate(xs), *actions), tuple(new_memories)

    def run(key):
        reset_key, scan_key = jax.random.split(key)
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(reset_key, total), params)
        memories = tuple(
            jax.tree.map(lambda m: jnp.broadcast_to(m, (num_envs, *jnp.shape(m))), memory) for _, memory in policies
        )

        def body(carry, key):
            obs, state, memories, first = carry
            policy_key, step_key = jax.random.split(key)
            action, memories = act(obs, memories, first, policy_key)
            next_obs, state, reward, terminated, truncated, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(step_key, total), state, action, params
            )
            done = jnp.reshape(terminated | truncated, (total, -1)).all(axis=-1)
            record = {
                "observation": obs,
                "first": first,
                "action": action,
                "reward": reward,
                "terminated": terminated,
                "truncated": truncated,
                "final_observation": info["final_observation"],
                "info": info,
            }
            return (next_obs, state, memories, done), record

        first = jnp.ones(total, bool)
        (_, state, _, _), records = jax.lax.scan(
            body, (obs, state, memories, first), jax.random.split(scan_key, num_steps)
        )
        return records, state

    key = jax.random.key(seed)
    compiled = quick_compile(run, key) if num_steps <= QUICK_COMPILE_MAX_STEPS else jax.jit(run)
    records, state = compiled(key)
    return jax.tree.map(np.asarray, records), state


def quick_compile(function, *example_args):
    """``jax.jit(function)`` compiled for ``example_args`` with XLA's backend optimisations off.

    Test rollouts are short, so compile time dominates; level 0 halves it on CPU.
    """
    return jax.jit(function).lower(*example_args).compile(compiler_options=QUICK_COMPILE)


def _episode_returns(reward, done, first_only=False):
    """Returns of the episodes that finished, from (steps, envs) rewards and done flags.

    ``first_only`` keeps each env's first episode: an unbiased sample when episode
    lengths vary (short episodes finish more often within a fixed number of steps).
    """
    reward, done = np.asarray(reward), np.asarray(done)
    if reward.ndim > 2:  # per-agent rewards: (steps, envs, agents)
        done = done.reshape(done.shape + (1,) * (reward.ndim - 2))
    totals, returns = np.zeros(reward.shape[1:]), []
    for t in range(reward.shape[0]):
        totals = totals + reward[t]
        mask = np.broadcast_to(done[t], totals.shape)
        if first_only:
            mask = mask & (np.cumsum(done[: t + 1], axis=0)[-1] == 1).reshape(mask.shape[:1] + (1,) * (mask.ndim - 1))
        returns.extend(totals[mask].tolist())
        totals = np.where(mask, 0.0, totals)
    return np.asarray(returns)


@pytest.fixture(scope="session")
def rollout():
    return _rollout


@pytest.fixture(scope="session")
def compile_quickly():
    return quick_compile


@pytest.fixture(scope="session")
def episode_returns():
    return _episode_returns


@pytest.fixture(scope="session")
def random_policy():
    """A memoryless policy that samples the action space (memory unused)."""

    def build(space):
        return [(lambda obs, memory, first, key: (space.sample(key), memory), jnp.zeros(()))]

    return build
