"""Shared rollout machinery for the environment tests: one jit(vmap(scan)) per call."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest


def _rollout(env, params, policy, memory, num_envs, num_steps, seed=0):
    """Runs ``policy(obs, memory, first, key) -> (action, memory)`` in ``num_envs`` envs.

    ``memory`` is one env's initial policy memory (broadcast over envs). Returns host
    arrays with a leading (steps, envs) shape: the observation each action was taken
    on, ``first`` (that observation starts an episode), action, reward, terminated,
    truncated, final_observation, and the reset observations and a space check.
    """

    def run(key):
        reset_key, scan_key = jax.random.split(key)
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(reset_key, num_envs), params)
        memories = jax.tree.map(lambda m: jnp.broadcast_to(m, (num_envs, *jnp.shape(m))), memory)

        def body(carry, key):
            obs, state, memories, first = carry
            policy_key, step_key = jax.random.split(key)
            action, memories = jax.vmap(policy)(obs, memories, first, jax.random.split(policy_key, num_envs))
            next_obs, state, reward, terminated, truncated, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(step_key, num_envs), state, action, params
            )
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
            return (next_obs, state, memories, terminated | truncated), record

        first = jnp.ones(num_envs, bool)
        (_, state, _, _), records = jax.lax.scan(body, (obs, state, memories, first), jax.random.split(scan_key, num_steps))
        return records, state

    records, state = jax.jit(run)(jax.random.key(seed))
    return jax.tree.map(np.asarray, records), state


def _episode_returns(reward, done):
    """Returns of the episodes that finished, from (steps, envs) rewards and done flags."""
    reward, done = np.asarray(reward), np.asarray(done)
    if reward.ndim > 2:  # per-agent rewards: (steps, envs, agents)
        done = done.reshape(done.shape + (1,) * (reward.ndim - 2))
    totals, returns = np.zeros(reward.shape[1:]), []
    for t in range(reward.shape[0]):
        totals = totals + reward[t]
        mask = np.broadcast_to(done[t], totals.shape)
        returns.extend(totals[mask].tolist())
        totals = np.where(mask, 0.0, totals)
    return np.asarray(returns)


@pytest.fixture(scope="session")
def rollout():
    return _rollout


@pytest.fixture(scope="session")
def episode_returns():
    return _episode_returns


@pytest.fixture(scope="session")
def random_policy():
    """A memoryless policy that samples the action space (memory unused)."""

    def build(space):
        return lambda obs, memory, first, key: (space.sample(key), memory)

    return build
