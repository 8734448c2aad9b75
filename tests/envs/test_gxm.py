"""gxm:: adapter: gxm's flags and final observations reach the memorax step contract.

A small counting environment registered with gxm (library ``MemoraxTest``) runs under
jit(vmap(scan)) across episode ends: action 1 terminates, otherwise the episode is
truncated after ``LIMIT`` steps. A real gxm library (XMiniGrid) is checked by shape only.
"""

import sys
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.core import Environment
from memorax.environments import make

LIMIT = 3


@pytest.fixture(scope="module")
def counter():
    gxm = pytest.importorskip("gxm")
    from gxm.spaces import Discrete

    @jax.tree_util.register_dataclass
    @dataclass
    class CounterState(gxm.EnvironmentState):
        time: jax.Array

    class Counter(gxm.AutoResetEnvironment):
        """Observation ``[time]``; action 1 terminates; truncated after LIMIT steps."""

        id = "MemoraxTest/Counter"
        action_space = Discrete(2)

        def _reset(self, key):
            obs = jnp.zeros(1, jnp.float32)
            timestep = gxm.Timestep(
                next_obs=obs, true_next_obs=obs, action=jnp.int32(0), reward=jnp.float32(0.0),
                terminated=jnp.bool_(False), truncated=jnp.bool_(False), info={},
            )
            return CounterState(time=jnp.int32(0)), timestep

        def _step(self, key, state, action):
            time = state.time + 1
            obs = time.astype(jnp.float32)[None]
            terminated = action == 1
            timestep = gxm.Timestep(
                next_obs=obs, true_next_obs=obs, action=action, reward=jnp.float32(1.0),
                terminated=terminated, truncated=~terminated & (time >= LIMIT), info={},
            )
            return CounterState(time=time), timestep

    gxm.register("MemoraxTest", lambda name, **kwargs: Counter())
    return make("gxm::MemoraxTest/Counter")


@pytest.fixture(scope="module")
def records(counter, rollout):
    env, params = counter
    terminate_second = lambda obs, memory, first, key: ((obs[0] >= 1).astype(jnp.int32), memory)  # noqa: E731
    idle = lambda obs, memory, first, key: (jnp.int32(0), memory)  # noqa: E731
    records, _ = rollout(env, params, [(terminate_second, jnp.zeros(())), (idle, jnp.zeros(()))], 2, 7)
    return records


def test_gxm__spaces_match_arrays(counter, records):
    env, params = counter
    assert isinstance(env, Environment)
    assert env.observation_space(params).shape == (1,) and env.action_space(params).n == 2
    assert records["observation"].shape == (7, 4, 1) and records["observation"].dtype == np.float32
    assert records["reward"].dtype == np.float32
    assert records["terminated"].dtype == bool and records["truncated"].dtype == bool


def test_gxm__termination_truncation_and_final_observation(records):
    terminated, truncated = records["terminated"], records["truncated"]
    np.testing.assert_array_equal(np.nonzero(terminated[:, 0])[0], [1, 3, 5])  # act 1 on each episode's 2nd step
    assert not np.any(truncated[:, :2]) and not np.any(terminated[:, 2:])
    np.testing.assert_array_equal(np.nonzero(truncated[:, 2])[0], [2, 5])  # the idle envs hit the limit
    np.testing.assert_array_equal(records["first"][1:], (terminated | truncated)[:-1])
    np.testing.assert_array_equal(records["final_observation"][truncated], LIMIT)  # the true last observation
    np.testing.assert_array_equal(records["observation"][1:][truncated[:-1]], 0.0)  # the next episode's start


def test_gxm__a_real_library_builds_with_matching_spaces():
    pytest.importorskip("xminigrid")
    env, params = make("gxm::XMiniGrid/MiniGrid-Empty-5x5")
    obs, state = jax.eval_shape(env.reset, jax.random.key(0), params)
    assert obs.shape == env.observation_space(params).shape and obs.dtype == env.observation_space(params).dtype
    step = jax.eval_shape(env.step, jax.random.key(1), state, jnp.int32(0), params)
    assert step[0].shape == obs.shape and step[2].dtype == jnp.float32 and step[3].dtype == bool


def test_gxm__bad_ids_and_missing_backend_are_clear(monkeypatch):
    with pytest.raises(ValueError, match="'Library/Name'.*Known gxm libraries: .*Navix"):
        make("gxm::Navix-Empty-5x5-v0")
    monkeypatch.setitem(sys.modules, "gxm.registration", None)
    with pytest.raises(ImportError, match=r'pip install "memorax-envs\[gxm\]"'):
        make("gxm::Navix/Navix-Empty-5x5-v0")
