"""Wrappers: POMDP makers reset with the episode, shared normalisation statistics, action and reward transforms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make
from memorax.environments.tasks.tmaze import LEFT, RIGHT
from memorax.environments.wrappers import (
    ClipActionWrapper,
    DelayedObservationWrapper,
    FlickerObservationWrapper,
    MaskObservationWrapper,
    NoisyObservationWrapper,
    NormalizeObservationWrapper,
    NormalizeRewardWrapper,
    PeriodicObservationWrapper,
    ScaleRewardWrapper,
)
from memorax.environments.wrappers.running_moments import initial_moments, update_moments


def _tmaze(limit=3):
    """A deterministic corridor: observation [cue up, cue down, corridor, junction]; 3-step time limit."""
    env, params = make("memorax::TMazeEasy", corridor_length=4)
    return env, params.replace(max_steps_in_episode=jnp.int32(limit))


def _play(env, params, actions):
    obs, state = env.reset(jax.random.key(0), params)
    step = jax.jit(env.step)
    seen, finals, dones = [np.asarray(obs)], [], []
    for t, action in enumerate(actions):
        obs, state, reward, terminated, truncated, info = step(jax.random.key(t + 1), state, jnp.int32(action), params)
        seen.append(np.asarray(obs))
        finals.append(np.asarray(info["final_observation"]))
        dones.append(bool(terminated | truncated))
    return np.stack(seen), np.stack(finals), dones, step


def test_delayed_observation__lags_by_delay_and_clears_on_reset():
    env, params = _tmaze()
    plain, plain_finals, dones, _ = _play(env, params, [RIGHT] * 6)
    delayed, finals, delayed_dones, step = _play(DelayedObservationWrapper(env, delay=2), params, [RIGHT] * 6)
    assert dones == delayed_dones == [False, False, True, False, False, True]
    zeros = np.zeros(4)
    # episode 1: obs 0..2 then reset at step 3; the view at t is obs t-2, zeros before the episode
    np.testing.assert_array_equal(delayed[:3], [zeros, zeros, plain[0]])
    np.testing.assert_array_equal(finals[2], plain[1])  # the episode's last view (t = 3 sees obs 1)
    np.testing.assert_array_equal(delayed[3:6], [zeros, zeros, plain[3]])  # nothing of episode 1 leaks
    np.testing.assert_array_equal(finals[0], delayed[1])  # final_observation == observation mid-episode
    assert step._cache_size() == 1


def test_periodic_observation__shows_every_period_from_each_episode_start():
    env, params = _tmaze()
    plain, _, _, _ = _play(env, params, [RIGHT] * 6)
    periodic, finals, _, _ = _play(PeriodicObservationWrapper(env, period=2), params, [RIGHT] * 6)
    zeros = np.zeros(4)
    expected = [plain[0], zeros, plain[2], plain[3], zeros, plain[5], plain[6]]
    np.testing.assert_array_equal(periodic, expected)
    np.testing.assert_array_equal(finals[2], zeros)  # episode step 3 is off-period


def test_flicker_noise_and_mask__apply_the_same_view_to_final_observation():
    env, params = make("gymnax::CartPole-v1")
    for wrapped in [
        FlickerObservationWrapper(env, probability=0.5),
        NoisyObservationWrapper(env, std=0.1),
        MaskObservationWrapper(env, keep=[0, 2]),
    ]:
        obs, state = wrapped.reset(jax.random.key(0), params)
        assert obs.shape == wrapped.observation_space(params).shape
        obs, state, _, terminated, truncated, info = wrapped.step(jax.random.key(1), state, jnp.int32(0), params)
        assert not (terminated | truncated)
        np.testing.assert_array_equal(info["final_observation"], obs)


def test_flicker_observation__blanks_at_the_given_rate():
    env, params = make("gymnax::CartPole-v1")
    env = FlickerObservationWrapper(env, probability=0.25)
    obs, _ = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(jax.random.key(0), 4000), params)
    assert abs(np.mean(np.all(np.asarray(obs) == 0, axis=-1)) - 0.25) < 0.03


def test_mask_observation__keeps_the_named_features():
    env, params = make("gymnax::CartPole-v1")
    masked = MaskObservationWrapper(env, keep=[0, 2])
    key = jax.random.key(3)
    inner_key = jax.random.split(key)[0]  # observation wrappers split the key: (inner env, view)
    np.testing.assert_array_equal(masked.reset(key, params)[0], env.reset(inner_key, params)[0][jnp.array([0, 2])])
    assert masked.observation_space(params).shape == (2,)
    with pytest.raises(ValueError, match="keep"):
        MaskObservationWrapper(env, keep=[4])


def test_running_moments__vmapped_update_pools_all_envs_and_keeps_copies_equal():
    values = jax.random.normal(jax.random.key(0), (3, 64, 2)) * 3.0 + 1.0  # (steps, envs, features)
    moments = jax.vmap(lambda _: initial_moments((2,)))(jnp.arange(64))
    update = jax.jit(jax.vmap(update_moments))
    for step_values in values:
        moments = update(moments, step_values)
    flat = np.asarray(values).reshape(-1, 2)
    np.testing.assert_allclose(moments.mean, np.broadcast_to(flat.mean(0), (64, 2)), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(moments.var, np.broadcast_to(flat.var(0), (64, 2)), rtol=1e-3)
    np.testing.assert_allclose(moments.count, 3 * 64 + 1e-4)


def test_running_moments__seeds_do_not_share_statistics():
    values = jnp.stack([jnp.zeros((8, 1)), jnp.ones((8, 1)) * 10.0])  # (seeds, envs, 1)
    moments = jax.vmap(jax.vmap(lambda _: initial_moments((1,))))(jnp.zeros((2, 8)))
    moments = jax.jit(jax.vmap(jax.vmap(update_moments)))(moments, values)
    np.testing.assert_allclose(moments.mean[0], 0.0, atol=1e-5)
    np.testing.assert_allclose(moments.mean[1], 10.0, rtol=1e-4)


def test_normalize_observation__statistics_shared_across_vmapped_envs(rollout):
    env, params = make("gymnax::CartPole-v1")
    wrapped = NormalizeObservationWrapper(env)
    policy = [(lambda obs, memory, first, key: (jax.random.randint(key, (), 0, 2), memory), jnp.zeros(()))]
    records, state = rollout(wrapped, params, policy, 16, 50)
    moments = state.moments
    np.testing.assert_array_equal(moments.mean, np.broadcast_to(moments.mean[0], moments.mean.shape))
    assert float(moments.count[0]) == pytest.approx(16 * 51, rel=1e-4)  # reset + 50 steps, all envs pooled
    late = records["observation"][25:].reshape(-1, 4)
    assert np.all(np.abs(late.mean(0)) < 0.5) and np.all(np.abs(late.std(0) - 1.0) < 0.5)


def test_normalize_reward__scales_by_the_return_spread():
    env, params = make("gymnax::CartPole-v1")
    wrapped = NormalizeRewardWrapper(env, gamma=0.9)
    keys = jax.random.split(jax.random.key(0), 8)
    obs, state = jax.vmap(wrapped.reset, in_axes=(0, None))(keys, params)
    step = jax.jit(jax.vmap(wrapped.step, in_axes=(0, 0, 0, None)))
    for t in range(5):
        obs, state, reward, *_ = step(jax.random.split(jax.random.key(t), 8), state, jnp.zeros(8, jnp.int32), params)
    # CartPole pays 1 per step: returns 1, 1.9, 2.71, 3.439, 4.0951 pooled over 8 identical envs
    returns = np.array([1.0, 1.9, 2.71, 3.439, 4.0951])
    expected_var = (1e-4 * 1.0 + 8 * returns.var() * 5 + 8 * 5 * returns.mean() ** 2 * 1e-4 / (1e-4 + 40)) / (1e-4 + 40)
    np.testing.assert_allclose(reward, 1.0 / np.sqrt(expected_var), rtol=1e-3)


def test_clip_action__clips_into_the_box_and_checks_shape():
    env, params = make("gymnax::Pendulum-v1")  # torque in [-2, 2]
    clipped = ClipActionWrapper(env)
    obs, state = clipped.reset(jax.random.key(0), params)
    out_big = clipped.step(jax.random.key(1), state, jnp.array([5.0]), params)
    out_one = env.step(jax.random.key(1), state, jnp.array([2.0]), params)
    np.testing.assert_allclose(out_big[0], out_one[0])
    with pytest.raises(ValueError, match="action has shape"):
        clipped.step(jax.random.key(1), state, jnp.float32(5.0), params)
    with pytest.raises(TypeError, match="Box action space"):
        ClipActionWrapper(make("gymnax::CartPole-v1")[0])


def test_scale_reward__multiplies_rewards():
    env, params = _tmaze()
    _, state = env.reset(jax.random.key(0), params)
    scaled = ScaleRewardWrapper(env, scale=0.5)
    *_, info = scaled.step(jax.random.key(1), state, jnp.int32(LEFT), params)
    reward = scaled.step(jax.random.key(1), state, jnp.int32(LEFT), params)[2]
    assert reward.dtype == jnp.float32 and float(reward) == 0.0
    env1, params1 = make("memorax::TMazeEasy", corridor_length=1)
    _, state1 = env1.reset(jax.random.key(0), params1)
    _, state1, *_ = env1.step(jax.random.key(1), state1, jnp.int32(RIGHT), params1)
    plain = env1.step(jax.random.key(2), state1, jnp.int32(2), params1)[2]
    assert float(
        ScaleRewardWrapper(env1, 0.5).step(jax.random.key(2), state1, jnp.int32(2), params1)[2]
    ) == 0.5 * float(plain)


@pytest.mark.parametrize(
    ("wrapper", "kwargs"),
    [
        (DelayedObservationWrapper, {"delay": 0}),
        (PeriodicObservationWrapper, {"period": 0}),
        (FlickerObservationWrapper, {"probability": 1.5}),
        (NoisyObservationWrapper, {"std": -1.0}),
        (NormalizeRewardWrapper, {"gamma": 1.5}),
    ],
)
def test_wrappers__bad_arguments_name_the_field(wrapper, kwargs):
    env, _ = _tmaze()
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        wrapper(env, **kwargs)
