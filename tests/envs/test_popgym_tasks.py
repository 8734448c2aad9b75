"""The rest of the POPGym suite: scripted memoryless and perfect-memory policies reach the documented returns.

One compiled rollout per task and size, a few envs, one episode each plus a step, so
the whole file stays within about a minute on 2 cores. The documented returns are
``reference_returns(env)`` (the numbers in the task docstrings and the README), measured
with the same policies at 64 to 256 envs; Easy runs 32 envs here, Medium and Hard 16.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make, reference_returns
from memorax.environments.tasks.higher_lower import HIGHER, LOWER
from memorax.environments.tasks.labyrinth import GOAL, MOVES, WALL

NUM_ENVS = 32
LARGER_SIZES_NUM_ENVS = 16


def _pick(key, mask):
    """A uniformly random index where ``mask`` is true."""
    return jax.random.categorical(key, jnp.where(mask, 0.0, -jnp.inf)).astype(jnp.int32)


def _random_cell(env):
    return lambda obs, memory, first, key: (env.action_space(env.default_params).sample(key), memory)


def _grid_neighbours(size, diagonal):
    """``(size**2, size**2)`` bool: which cells touch which (4- or 8-neighbourhood, not itself)."""
    rows, cols = np.divmod(np.arange(size**2), size)
    dr, dc = np.abs(rows[:, None] - rows[None]), np.abs(cols[:, None] - cols[None])
    touching = (dr <= 1) & (dc <= 1) if diagonal else (dr + dc == 1)
    return jnp.asarray(touching & ~np.eye(size**2, dtype=bool))


def _battleship(env):
    """Hunt and target: never fire twice; fire next to a hit first, else at random on a checkerboard."""
    cells, size = env.num_cells, env.board_size
    touching = _grid_neighbours(size, diagonal=False)
    parity = jnp.asarray(np.add(*np.divmod(np.arange(cells), size)) % 2 == 0)

    def policy(obs, memory, first, key):
        fired, hits, last = memory
        fired, hits = jnp.where(first, False, fired), jnp.where(first, False, hits)
        hits = hits.at[last].max(~first & (obs[0] > 0.5))
        target = jnp.any(touching & hits[None], axis=1) & ~fired
        hunt = jnp.where(jnp.any(~fired & parity), ~fired & parity, ~fired)
        action = _pick(key, jnp.where(jnp.any(target), target, hunt))
        return action, (fired.at[action].set(True), hits, action)

    return policy, (jnp.zeros(cells, bool), jnp.zeros(cells, bool), jnp.int32(0))


def _shown_cards(env, obs):
    shown = jnp.argmax(obs.reshape(env.num_cards, env.num_values + 1), axis=1)
    return shown, shown < env.num_values


def _concentration_memoryless(env):
    def policy(obs, memory, first, key):
        _, visible = _shown_cards(env, obs)
        return _pick(key, ~visible), memory

    return policy, jnp.zeros(())


def _concentration(env):
    """Remember every card seen; take a known pair, else a new card and then its known partner if any."""
    n = env.num_cards
    others = ~jnp.eye(n, dtype=bool)

    def policy(obs, memory, first, key):
        known, matched, pending, last_pair = memory
        known = jnp.where(first, -1, known)
        matched = jnp.where(first, False, matched)
        pending, last_pair = jnp.where(first, -1, pending), jnp.where(first, -1, last_pair)
        shown, visible = _shown_cards(env, obs)
        known = jnp.where(visible, shown, known)
        p, q = jnp.maximum(last_pair[0], 0), jnp.maximum(last_pair[1], 0)
        paired = (last_pair[0] >= 0) & (known[p] == known[q]) & (p != q)
        matched = matched.at[p].max(paired).at[q].max(paired)
        open_known = (known >= 0) & ~matched
        partners = open_known[None] & (known[None] == known[:, None]) & others  # (i, j): j pairs with i
        unknown = (known < 0) & ~matched
        # first flip of a turn: one card of a known pair, else a new card
        has_pair = open_known & jnp.any(partners, axis=1)
        first_flip = jnp.where(jnp.any(has_pair), jnp.argmax(has_pair), _pick(key, unknown))
        # second flip: the pending card's known partner, else a new card
        partner = partners[jnp.maximum(pending, 0)]
        second_flip = jnp.where(jnp.any(partner), jnp.argmax(partner), _pick(key, unknown & (jnp.arange(n) != pending)))
        second = pending >= 0
        action = jnp.where(second, second_flip, first_flip).astype(jnp.int32)
        last_pair = jnp.where(second, jnp.stack([pending, action]), jnp.full(2, -1, jnp.int32))
        pending = jnp.where(second, -1, action)
        return action, (known, matched, pending, last_pair)

    return policy, (jnp.full(n, -1, jnp.int32), jnp.zeros(n, bool), jnp.int32(-1), jnp.full(2, -1, jnp.int32))


def _higher_lower_memoryless(env):
    return lambda obs, memory, first, key: (jnp.where(jnp.argmax(obs) < 6, HIGHER, LOWER).astype(jnp.int32), memory)


def _higher_lower(env):
    """Count the cards dealt; guess the side with more cards left."""
    full = jnp.full(13, 4 * env.num_decks, jnp.int32)

    def policy(obs, remaining, first, key):
        rank = jnp.argmax(obs)
        remaining = jnp.where(first, full, remaining).at[rank].add(-1)
        higher = jnp.sum(jnp.where(jnp.arange(13) > rank, remaining, 0))
        lower = jnp.sum(jnp.where(jnp.arange(13) < rank, remaining, 0))
        return jnp.where(higher >= lower, HIGHER, LOWER).astype(jnp.int32), remaining

    return policy, full


def _maze_view(obs):
    """``(open, goal)`` per move (left, right, up, down) from the 3x3 window."""
    cells = jnp.argmax(obs[:36].reshape(9, 4), axis=1)[jnp.array([3, 5, 1, 7])]
    return cells != WALL, cells == GOAL


def _maze_memoryless(env):
    def policy(obs, memory, first, key):
        open_, _ = _maze_view(obs)
        return _pick(key, open_), memory

    return policy, jnp.zeros(())


def _maze(env):
    """Depth-first search on a map of where it has been, relative to the start; the goal first when in view."""
    span = 2 * (2 * max(env.rooms) + 1) + 1
    centre = jnp.array([span // 2, span // 2], jnp.int32)

    def policy(obs, memory, first, key):
        visited, parent, position = memory
        visited = jnp.where(first, jnp.zeros_like(visited).at[centre[0], centre[1]].set(True), visited)
        parent, position = jnp.where(first, -1, parent), jnp.where(first, centre, position)
        open_, goal = _maze_view(obs)
        neighbours = position + MOVES
        fresh = open_ & ~visited[neighbours[:, 0], neighbours[:, 1]]
        back = parent[position[0], position[1]]
        action = jnp.where(jnp.any(goal), jnp.argmax(goal), jnp.where(jnp.any(fresh), jnp.argmax(fresh), back))
        action = jnp.where(action < 0, _pick(key, open_), action).astype(jnp.int32)
        target = jnp.where(open_[action], neighbours[action], position)
        new = ~visited[target[0], target[1]]
        parent = parent.at[target[0], target[1]].set(jnp.where(new, action ^ 1, parent[target[0], target[1]]))
        return action, (visited.at[target[0], target[1]].set(True), parent, target)

    return policy, (jnp.zeros((span, span), bool), jnp.full((span, span), -1, jnp.int32), centre)


def _minesweeper(env):
    """Never click twice; click the neighbours of a zero count first, else a random unclicked cell."""
    cells = env.size**2
    around = _grid_neighbours(env.size, diagonal=True)

    def policy(obs, memory, first, key):
        clicked, safe, last = memory
        clicked, safe = jnp.where(first, False, clicked), jnp.where(first, False, safe)
        zero = ~first & (jnp.argmax(obs[: env.num_counts]) == 0)
        safe = safe | (zero & around[last])
        candidates = jnp.where(jnp.any(safe & ~clicked), safe & ~clicked, ~clicked)
        action = _pick(key, candidates)
        return action, (clicked.at[action].set(True), safe, action)

    return policy, (jnp.zeros(cells, bool), jnp.zeros(cells, bool), jnp.int32(0))


def _bandit_memoryless(env):
    """Win-stay, lose-shift to the next arm, from the payout bit and the arm in view."""

    def policy(obs, memory, first, key):
        last = jnp.argmax(obs[1:])
        action = jnp.where(first | (obs[0] > 0.5), last, (last + 1) % env.num_arms)
        return action.astype(jnp.int32), memory

    return policy, jnp.zeros(())


def _bandit(env):
    """Thompson sampling on per-arm payout counts, with a Gaussian approximation of each Beta posterior."""

    def policy(obs, counts, first, key):
        counts = jnp.where(first, 0.0, counts)
        pulled = jax.nn.one_hot(jnp.argmax(obs[1:]), env.num_arms) * ~first
        counts = counts + jnp.stack([pulled * obs[0], pulled])  # (payouts, pulls)
        mean = (counts[0] + 1.0) / (counts[1] + 2.0)
        std = jnp.sqrt(mean * (1.0 - mean) / (counts[1] + 3.0))
        sample = mean + std * jax.random.normal(key, (env.num_arms,))
        return jnp.argmax(sample).astype(jnp.int32), counts

    return policy, jnp.zeros((2, env.num_arms))


def _angle(obs):
    return jnp.arctan2(obs[1], obs[0])


def _wrap(angle):
    return (angle + jnp.pi) % (2 * jnp.pi) - jnp.pi


def _swing_up(theta, theta_dot):
    """Pump energy until the pendulum nears the top, then balance with PD (torque in [-2, 2])."""
    energy = 0.5 * theta_dot**2 + 15.0 * jnp.cos(theta)  # 15 = 3g / 2l: upright at rest
    pump = jnp.where(energy < 15.0, 2.0 * jnp.where(theta_dot >= 0, 1.0, -1.0), 0.0)
    balance = -(10.0 * theta + 2.0 * theta_dot)
    return jnp.clip(jnp.where(jnp.cos(theta) > 0.85, balance, pump), -2.0, 2.0)[None].astype(jnp.float32)


def _pendulum_memoryless(env):
    return lambda obs, memory, first, key: (jnp.clip(-5.0 * _angle(obs), -2.0, 2.0)[None], memory)


def _pendulum(env):
    """Perfect memory: velocity by finite differences (exact for Pendulum-v1's semi-implicit Euler step);
    with noise, an alpha-beta filter that predicts with the pendulum's own dynamics."""
    dt, alpha = 0.05, min(1.0, 0.06 / max(env.noise_std, 1e-6))
    beta = alpha**2 / (2.0 - alpha)  # a critically damped alpha-beta filter; alpha = beta = 1 trusts each observation

    def policy(obs, memory, first, key):
        theta, theta_dot, torque = memory
        predicted_dot = jnp.clip(theta_dot + (15.0 * jnp.sin(theta) + 3.0 * torque) * dt, -8.0, 8.0)
        predicted = theta + predicted_dot * dt
        residual = _wrap(_angle(obs) - predicted)
        theta = jnp.where(first, _angle(obs), _wrap(predicted + alpha * residual))
        theta_dot = jnp.where(first, 0.0, predicted_dot + beta * residual / dt)
        action = _swing_up(theta, theta_dot)
        return action, (theta, theta_dot, action[0])

    return policy, (jnp.float32(0.0), jnp.float32(0.0), jnp.float32(0.0))


def _memoryless(build):
    return lambda env: (build(env), jnp.zeros(()))


# task -> (memoryless policy, perfect-memory policy)
POLICIES = {
    "Battleship": (_memoryless(_random_cell), _battleship),
    "Concentration": (_concentration_memoryless, _concentration),
    "HigherLower": (_memoryless(_higher_lower_memoryless), _higher_lower),
    "LabyrinthEscape": (_maze_memoryless, _maze),
    "LabyrinthExplore": (_maze_memoryless, _maze),
    "MineSweeper": (_memoryless(_random_cell), _minesweeper),
    "MultiarmedBandit": (_bandit_memoryless, _bandit),
    "PositionOnlyPendulum": (_memoryless(_pendulum_memoryless), _pendulum),
    "NoisyPositionOnlyPendulum": (_memoryless(_pendulum_memoryless), _pendulum),
}


def longest_episode(env):
    """Steps after which every episode of ``env`` has ended."""
    for name in ("num_cells", "episode_length", "max_steps", "length"):
        if hasattr(env, name):
            return int(getattr(env, name))
    if hasattr(env, "deck_size"):
        return env.deck_size - 1
    return env.num_free + 1  # MineSweeper


def scripted_returns(task, level, rollout, episode_returns, num_envs=NUM_ENVS, seed=0):
    """First-episode returns of the memoryless and perfect-memory policies, and the rollout records."""
    env, params = make(f"memorax::{task}{level}")
    build_memoryless, build_perfect = POLICIES[task]
    policies = [build_memoryless(env), build_perfect(env)]
    records, _ = rollout(env, params, policies, num_envs, longest_episode(env) + 1, seed)
    done = records["terminated"] | records["truncated"]
    groups = [slice(g * num_envs, (g + 1) * num_envs) for g in range(2)]
    returns = [episode_returns(records["reward"][:, g], done[:, g], first_only=True) for g in groups]
    return env, params, records, returns


@pytest.fixture(scope="module", params=sorted(POLICIES))
def family(request, rollout, episode_returns):
    return request.param, *scripted_returns(request.param, "Easy", rollout, episode_returns)


def assert_documented_returns(env, returns, num_envs):
    """Each policy's mean first-episode return is within 4 standard errors (+0.01) of ``reference_returns``."""
    documented = reference_returns(env)
    assert documented is not None, "every POPGym preset has documented reference returns"
    for name, got, expected in zip(("memoryless", "perfect"), returns, documented.values(), strict=True):
        assert len(got) == num_envs, f"every {name} env finishes its first episode"
        standard_error = got.std() / np.sqrt(len(got))
        assert abs(got.mean() - expected) < 4 * standard_error + 0.01, (name, got.mean(), expected)


def test_popgym_task__scripted_policies_reach_documented_returns(family):
    task, env, params, records, returns = family
    assert_documented_returns(env, returns, NUM_ENVS)


@pytest.mark.parametrize("level", ["Medium", "Hard"])
@pytest.mark.parametrize("task", sorted(POLICIES))
def test_popgym_task__larger_sizes_reach_documented_returns(task, level, rollout, episode_returns):
    env, _, _, returns = scripted_returns(task, level, rollout, episode_returns, num_envs=LARGER_SIZES_NUM_ENVS)
    assert_documented_returns(env, returns, LARGER_SIZES_NUM_ENVS)


def test_popgym_task__auto_resets_and_spaces_match_arrays(family):
    task, env, params, records, _ = family
    done = records["terminated"] | records["truncated"]
    np.testing.assert_array_equal(records["first"][1:], done[:-1])
    assert not np.any(records["terminated"] & records["truncated"])
    t, e = np.nonzero(~done[:-1])
    np.testing.assert_array_equal(records["final_observation"][t, e], records["observation"][t + 1, e])
    obs_space, action_space = env.observation_space(params), env.action_space(params)
    steps = records["reward"].shape[0]
    assert records["observation"].shape == (steps, 2 * NUM_ENVS, *obs_space.shape)
    assert records["observation"].dtype == obs_space.dtype == np.float32
    assert records["action"].shape == (steps, 2 * NUM_ENVS, *action_space.shape)
    assert records["reward"].dtype == np.float32
    assert records["terminated"].dtype == bool and records["truncated"].dtype == bool
    assert np.all(records["observation"] >= np.asarray(obs_space.low))
    assert np.all(records["observation"] <= np.asarray(obs_space.high))
