"""MAPPO improves on JaxMARL's MPE simple spread for every seed."""

import flax.linen as nn
import jax
import numpy as np
import optax

from memorax.algorithms import MAPPO, MAPPOConfig
from memorax.core import episode_return_per_seed
from memorax.environments import make
from memorax.environments.wrappers import MultiAgentRecordEpisodeStatistics
from memorax.networks import heads


def test_mappo__improves_on_simple_spread_for_every_seed(learning):
    """jaxmarl::MPE_simple_spread_v3 (3 agents, 25-step episodes), MAPPO + MLP with a
    centralised critic, 2 seeds (vmapped), 48 updates of 32 envs x 52 steps (two 26-step
    episodes per env and update; 79,872 env steps per seed): the mean per-agent episode
    return of the last 4 updates beats that of the first update (64 episodes of the
    initial, near-uniform policy) by >= 3 for every seed."""
    env, params = make("jaxmarl::MPE_simple_spread_v3")
    config = MAPPOConfig(num_envs=32, num_steps=52, num_minibatches=4, update_epochs=4, centralised_critic=True)
    updates, seeds = 48, 2
    schedule = optax.linear_schedule(2.5e-3, 0.0, updates * config.update_epochs * config.num_minibatches)
    optimizer = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(schedule))
    agent = MAPPO(
        config, MultiAgentRecordEpisodeStatistics(env), params,
        learning["network"](heads.Categorical(action_dim=5)), learning["network"](heads.VNetwork()),
        optimizer, optimizer,
    )
    train = jax.jit(jax.vmap(agent.train, in_axes=(0, 0, None)), static_argnums=2)
    states = jax.vmap(agent.init)(jax.random.split(jax.random.key(0), seeds))
    returns = []
    for update in range(updates):
        states, logs = train(jax.random.split(jax.random.key(update + 1), seeds), states, config.batch_size)
        returns.append(episode_return_per_seed(logs))
    first, last = returns[0], np.mean(returns[-4:], axis=0)
    print(f"MAPPO simple spread: first update {first}, last 4 updates {last}")
    assert np.all(last - first >= 3.0), (first, last)
