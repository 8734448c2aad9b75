"""xminigrid:: XLand rulesets for meta-RL, from a benchmark built locally (the published ones download)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.environments import make

NUM_ENVS = 8
MAX_STEPS = 4
STEPS_PER_TRIAL = 8


def _local_benchmark():
    from xminigrid.benchmarks import Benchmark
    from xminigrid.core.constants import TILES_REGISTRY, Colors, Tiles
    from xminigrid.core.goals import AgentHoldGoal
    from xminigrid.core.rules import EmptyRule

    tiles = [TILES_REGISTRY[Tiles.BALL, Colors.RED], TILES_REGISTRY[Tiles.SQUARE, Colors.BLUE]]
    goals = jnp.stack([AgentHoldGoal(tile=tile).encode() for tile in tiles])
    rules = jnp.stack([EmptyRule().encode()[None]] * len(tiles))
    init_tiles = jnp.stack([jnp.stack([tile, tile]) for tile in tiles])
    return Benchmark(goals=goals, rules=rules, init_tiles=init_tiles, num_rules=jnp.ones(len(tiles), jnp.int32))


@pytest.fixture(scope="module")
def trials(compile_quickly):
    env, params = make(
        "xminigrid::XLand-MiniGrid-R1-9x9",
        benchmark=_local_benchmark(),
        steps_per_trial=STEPS_PER_TRIAL,
        max_steps=MAX_STEPS,
    )
    keys = jax.random.split(jax.random.key(0), NUM_ENVS)
    obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)
    actions = jnp.full(NUM_ENVS, 2, jnp.int32)  # turn left: never reaches a goal
    step = compile_quickly(jax.vmap(env.step, in_axes=(0, 0, 0, None)), keys, state, actions, params)
    goals, truncated = [np.asarray(state.ruleset.goal)], []
    for t in range(2 * STEPS_PER_TRIAL):
        obs, state, reward, term, trunc, info = step(
            jax.random.split(jax.random.key(t), NUM_ENVS), state, actions, params
        )
        goals.append(np.asarray(state.ruleset.goal))
        truncated.append(np.asarray(trunc))
    return np.stack(goals), np.stack(truncated)


def test_xminigrid__ruleset_is_kept_across_the_episodes_of_a_trial(trials):
    goals, truncated = trials
    # steps 1..8 belong to the first trial (two episodes of MAX_STEPS): one goal throughout
    assert np.all(goals[1:STEPS_PER_TRIAL] == goals[0])
    assert truncated[MAX_STEPS - 1].all() and truncated[STEPS_PER_TRIAL - 1].all()


def test_xminigrid__new_trial_draws_a_new_ruleset(trials):
    goals, _ = trials
    # after the trial ends each env draws again from two rulesets: some of 8 envs change
    changed = np.any(goals[STEPS_PER_TRIAL] != goals[STEPS_PER_TRIAL - 1], axis=-1)
    assert changed.any() and not changed.all()
    assert np.all(goals[STEPS_PER_TRIAL + 1 : 2 * STEPS_PER_TRIAL] == goals[STEPS_PER_TRIAL])  # kept again


def test_xminigrid__benchmark_needs_an_xland_env():
    with pytest.raises(ValueError, match="XLand"):
        make("xminigrid::MiniGrid-Empty-5x5", benchmark=_local_benchmark())
