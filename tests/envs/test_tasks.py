"""Built-in memory tasks: scripted memoryless-optimal and perfect-memory policies reach the documented returns."""

import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import Autoencode, StatelessCartPole, TMaze, make
from memorax.environments.tasks import registry
from memorax.environments.tasks.tmaze import RIGHT, UP

NUM_ENVS = 64
NO_MEMORY = jnp.zeros(())


def _card(obs, num_values):
    return jnp.argmax(obs[:num_values]).astype(jnp.int32)


def _echo_card(env):
    """Memoryless optimum of RepeatFirst/RepeatPrevious/Autoencode: name the card in view."""
    return lambda obs, memory, first, key: (_card(obs, env.num_values), memory)


def _repeat_first(env):
    def policy(obs, first_card, first, key):
        first_card = jnp.where(first, _card(obs, env.num_values), first_card)
        return first_card, first_card

    return policy, jnp.int32(0)


def _repeat_previous(env):
    def policy(obs, history, first, key):
        shifted = jnp.concatenate([_card(obs, env.num_values)[None], history[:-1]])
        history = jnp.where(first, jnp.zeros_like(history).at[0].set(_card(obs, env.num_values)), shifted)
        return history[env.delay], history

    return policy, jnp.zeros(env.delay + 1, jnp.int32)


def _count_recall(env):
    def policy(obs, counts, first, key):
        counts = jnp.where(first, 0, counts)
        card = _card(obs, env.num_values)
        return counts[card], counts.at[card].add(1)

    return policy, jnp.zeros(env.num_values, jnp.int32)


def _count_recall_memoryless(env):
    answer, _ = env.memoryless_optimum()
    return lambda obs, memory, first, key: (jnp.int32(answer), memory)


def _autoencode(env):
    def policy(obs, memory, first, key):
        cards, t = memory
        t = jnp.where(first, 0, t)
        cards = jnp.where(
            t < env.length, cards.at[jnp.minimum(t, env.length - 1)].set(_card(obs, env.num_values)), cards
        )
        action = cards[jnp.clip(2 * env.length - 1 - t, 0, env.length - 1)]
        return action, (cards, t + 1)

    return policy, (jnp.zeros(env.length, jnp.int32), jnp.int32(0))


def _tmaze(env):
    def policy(obs, cue, first, key):
        cue = jnp.where(first, jnp.argmax(obs[:2]).astype(jnp.int32), cue)
        return jnp.where(obs[3] > 0, UP + cue, RIGHT).astype(jnp.int32), cue

    return policy, jnp.int32(0)


def _tmaze_memoryless(env):
    return lambda obs, memory, first, key: (jnp.where(obs[3] > 0, UP, RIGHT).astype(jnp.int32), memory)


def _cartpole_controller(position, velocity):
    x, theta = position
    x_dot, theta_dot = velocity
    return (0.1 * x + 0.5 * x_dot + 10.0 * theta + theta_dot > 0).astype(jnp.int32)


def _cartpole_differences(env):
    """Perfect memory for the noise-free task: velocities from the last two observations."""

    def policy(obs, previous, first, key):
        velocity = jnp.where(first, 0.0, (obs - previous) / 0.02)
        return _cartpole_controller(obs, velocity), obs

    return policy, jnp.zeros(2)


def _cartpole_kalman(env):
    """Perfect memory for the noisy task: a Kalman filter on the linearised cart-pole."""
    p = env.default_params.cartpole
    tau, total, pole = p.tau, p.total_mass, p.polemass_length
    denominator = p.length * (4.0 / 3.0 - p.masspole / total)
    # state (x, x_dot, theta, theta_dot); linearised Euler step of gymnax's CartPole
    a = jnp.array(
        [
            [1.0, tau, 0.0, 0.0],
            [0.0, 1.0, tau * pole * p.gravity / (total * denominator) * -1.0, 0.0],
            [0.0, 0.0, 1.0, tau],
            [0.0, 0.0, tau * p.gravity / denominator, 1.0],
        ]
    )
    theta_force = -1.0 / (total * denominator)
    b = jnp.array([0.0, tau * (1.0 / total - pole * theta_force / total), 0.0, tau * theta_force]) * p.force_mag
    h = jnp.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    r = jnp.eye(2) * max(env.noise_std, 1e-3) ** 2
    q = jnp.eye(4) * 1e-6
    p0 = jnp.diag(jnp.array([0.05**2 / 3 + 1e-3, 0.05**2 / 3, 0.05**2 / 3 + 1e-3, 0.05**2 / 3]))

    def policy(obs, memory, first, key):
        mean, cov, last_force = memory
        mean = jnp.where(first, jnp.zeros(4), a @ mean + b * last_force)
        cov = jnp.where(first, p0, a @ cov @ a.T + q)
        gain = cov @ h.T @ jnp.linalg.inv(h @ cov @ h.T + r)
        mean = mean + gain @ (obs - h @ mean)
        cov = (jnp.eye(4) - gain @ h) @ cov
        action = _cartpole_controller(mean[jnp.array([0, 2])], mean[jnp.array([1, 3])])
        return action, (mean, cov, 2.0 * action - 1.0)

    return policy, (jnp.zeros(4), p0, jnp.float32(0.0))


def _cartpole_memoryless(env):
    """Push towards the pole's lean: the best of the threshold policies on (x, theta) we searched."""
    return lambda obs, memory, first, key: ((obs[1] > 0).astype(jnp.int32), memory)


def _memoryless(build):
    return lambda env: (build(env), NO_MEMORY)


# task -> (memoryless policy, perfect-memory policy, documented returns per size: (memoryless, perfect))
POLICIES = {
    "RepeatFirst": (_memoryless(_echo_card), _repeat_first, [(-0.3125, 1.0), (-0.4531, 1.0), (-0.7363, 1.0)]),
    "RepeatPrevious": (_memoryless(_echo_card), _repeat_previous, [(-0.5, 1.0), (-0.5, 1.0), (-0.75, 1.0)]),
    "CountRecall": (_memoryless(_count_recall_memoryless), _count_recall, [(-0.502, 1.0), (-0.75, 1.0), (-0.75, 1.0)]),
    "Autoencode": (_memoryless(_echo_card), _autoencode, [(-0.5, 1.0), (-0.5, 1.0), (-0.75, 1.0)]),
    "TMaze": (_memoryless(_tmaze_memoryless), _tmaze, [(0.0, 1.0), (0.0, 1.0), (0.0, 1.0)]),
    "StatelessCartPole": (
        _memoryless(_cartpole_memoryless),
        _cartpole_differences,
        [(0.214, 1.0), (0.107, 1.0), (0.071, 1.0)],
    ),
    "NoisyStatelessCartPole": (
        _memoryless(_cartpole_memoryless),
        _cartpole_kalman,
        [(0.247, 1.0), (0.130, 0.999), (0.084, 0.929)],
    ),
}
CASES = [
    pytest.param(task, level, index, id=f"{task}{level}")
    for task in POLICIES
    for index, level in enumerate(registry.LEVELS)
]


def _longest_episode(env, params):
    """Steps after which every episode of the task has ended."""
    if isinstance(env, StatelessCartPole):
        return env.max_steps
    if isinstance(env, TMaze):
        return int(params.max_steps_in_episode)
    if isinstance(env, Autoencode):
        return 2 * env.length
    return env.length


@pytest.mark.parametrize(("task", "level", "index"), CASES)
def test_task__scripted_policies_reach_documented_returns(task, level, index, rollout, episode_returns):
    env, params = make(f"memorax::{task}{level}")
    build_memoryless, build_perfect, documented = POLICIES[task]
    memoryless_return, perfect_return = documented[index]
    steps = 2 * _longest_episode(env, params)

    records, _ = rollout(env, params, [build_memoryless(env), build_perfect(env)], NUM_ENVS, steps)
    done = records["terminated"] | records["truncated"]
    assert np.all(records["first"][1:] == done[:-1]) and done.sum() >= 2 * NUM_ENVS  # auto-reset happened
    results = {}
    for g, name in enumerate(["memoryless", "perfect"]):
        part = slice(g * NUM_ENVS, (g + 1) * NUM_ENVS)
        results[name] = episode_returns(records["reward"][:, part], done[:, part], first_only=True)

    for name, documented_return in [("memoryless", memoryless_return), ("perfect", perfect_return)]:
        returns = results[name]
        standard_error = returns.std() / np.sqrt(len(returns))
        assert abs(returns.mean() - documented_return) < 4 * standard_error + 0.01, (name, returns.mean())
    if perfect_return == 1.0:  # the perfect-memory policy wins every episode
        np.testing.assert_allclose(results["perfect"], 1.0, atol=1e-4)
