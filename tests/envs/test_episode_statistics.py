"""RecordEpisodeStatistics: returns, lengths and the episode-end mask against hand-computed episodes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make
from memorax.environments.tasks.tmaze import DOWN, LEFT, RIGHT, UP
from memorax.environments.wrappers import MultiAgentRecordEpisodeStatistics, RecordEpisodeStatistics


def _run(env, params, actions, seed=0):
    obs, state = env.reset(jax.random.key(seed), params)
    step = jax.jit(env.step)
    infos, observations = [], [obs]
    for t, action in enumerate(actions):
        obs, state, reward, terminated, truncated, info = step(
            jax.random.key(100 + t), state, jnp.int32(action), params
        )
        infos.append(info)
        observations.append(obs)
    return infos, observations, step


def test_record_episode_statistics__matches_hand_computed_tmaze_episodes():
    env, params = make("memorax::TMazeEasy", corridor_length=2)
    params = params.replace(max_steps_in_episode=jnp.int32(5))
    env = RecordEpisodeStatistics(env)
    # episode 1: left (wall), right, right, up -> turned at the junction after 4 steps
    # episode 2: five lefts -> truncated by the time limit, return 0
    infos, observations, step = _run(env, params, [LEFT, RIGHT, RIGHT, UP, LEFT, LEFT, LEFT, LEFT, LEFT])
    cue_up = observations[0][0] == 1.0
    first_return = 1.0 if cue_up else -1.0
    returns = [float(i["episode/return"]) for i in infos]
    lengths = [int(i["episode/length"]) for i in infos]
    dones = [bool(i["episode/done"]) for i in infos]
    assert returns == [0.0, 0.0, 0.0, first_return, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert lengths == [1, 2, 3, 4, 1, 2, 3, 4, 5]
    assert dones == [False, False, False, True, False, False, False, False, True]
    assert step._cache_size() == 1


def test_record_episode_statistics__dtypes_are_fixed_and_strong():
    env, params = make("memorax::RepeatFirstEasy")
    env = RecordEpisodeStatistics(env)
    obs, state = env.reset(jax.random.key(0), params)
    assert state.episode_return.dtype == jnp.float32 and state.episode_length.dtype == jnp.int32
    step = jax.jit(env.step)
    _, next_state, _, _, _, info = step(jax.random.key(1), state, jnp.int32(0), params)
    assert (info["episode/return"].dtype, info["episode/length"].dtype, info["episode/done"].dtype) == (
        jnp.float32,
        jnp.int32,
        jnp.bool_,
    )
    assert jax.tree.map(lambda x: (x.dtype, x.weak_type), state) == jax.tree.map(
        lambda x: (x.dtype, x.weak_type), next_state
    )
    assert not any(leaf.weak_type for leaf in jax.tree.leaves(info))


def test_record_episode_statistics__sums_episodes_under_vmap(rollout, episode_returns):
    env, params = make("memorax::RepeatFirstEasy")
    env = RecordEpisodeStatistics(env)
    policy = lambda obs, memory, first, key: (jnp.argmax(obs[:4]).astype(jnp.int32), memory)  # noqa: E731
    records, _ = rollout(env, params, [(policy, jnp.zeros(()))], 4, 24)
    done = records["info"]["episode/done"]
    np.testing.assert_array_equal(done, records["terminated"] | records["truncated"])
    np.testing.assert_allclose(
        records["info"]["episode/return"][done], episode_returns(records["reward"], done), atol=1e-6
    )
    assert np.all(records["info"]["episode/length"][done] == 8)


def test_multi_agent_record_episode_statistics__per_agent_returns():
    env, params = make("jaxmarl::MPE_simple_spread_v3", max_steps=3)
    env = MultiAgentRecordEpisodeStatistics(env)
    obs, state = env.reset(jax.random.key(0), params)
    step = jax.jit(env.step)
    total = np.zeros(env.num_agents)
    for t in range(4):  # MPE ends an episode after max_steps + 1 steps
        actions = jnp.zeros((env.num_agents,), jnp.int32)
        obs, state, reward, terminated, truncated, info = step(jax.random.key(t), state, actions, params)
        total += np.asarray(reward)
    assert info["episode/return"].shape == (env.num_agents,) and info["episode/length"].shape == ()
    np.testing.assert_allclose(info["episode/return"], total, rtol=1e-5)
    assert bool(info["episode/done"]) and int(info["episode/length"]) == 4
    assert env.global_state(state, params).shape[0] == env.num_agents


@pytest.mark.parametrize("direction", [UP, DOWN])
def test_record_episode_statistics__return_follows_the_tmaze_cue(direction):
    env, params = make("memorax::TMazeEasy", corridor_length=1)
    infos, observations, _ = _run(RecordEpisodeStatistics(env), params, [RIGHT, direction])
    cue = int(np.argmax(np.asarray(observations[0][:2])))
    assert float(infos[-1]["episode/return"]) == (1.0 if direction - UP == cue else -1.0)
