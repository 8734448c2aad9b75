"""ICM and RND reward modules: novelty falls where the agent has been, actions are inferred."""

import jax
import jax.numpy as jnp
import optax
import pytest

from memorax.algorithms.intrinsic import ICM, RND
from memorax.networks import MLP

OBSERVATION_SIZE = 8


def _train(module, variables, batches, learning_rate, num_steps):
    """``num_steps`` adam steps on ``module.loss`` in ``variables["params"]``; ``batches(i)`` gives step i's data."""
    optimizer = optax.adam(learning_rate)

    def step(carry, i):
        params, optimizer_state = carry
        loss = lambda p: module.loss({**variables, "params": p}, *batches(i))
        (_, metrics), grads = jax.value_and_grad(loss, has_aux=True)(params)
        updates, optimizer_state = optimizer.update(grads, optimizer_state)
        return (optax.apply_updates(params, updates), optimizer_state), metrics

    carry = (variables["params"], optimizer.init(variables["params"]))
    (params, _), metrics = jax.lax.scan(step, carry, jnp.arange(num_steps))
    return {**variables, "params": params}, metrics


@pytest.fixture(scope="module")
def rnd_run():
    rnd = RND(target=MLP(features=(32, 16), activate_final=False), predictor=MLP(features=(32, 16), activate_final=False))
    keys = jax.random.split(jax.random.key(0), 4)
    seen = jax.random.normal(keys[0], (256, OBSERVATION_SIZE))  # the states a random agent visits
    repeated, novel = seen[:1], jax.random.normal(keys[1], (64, OBSERVATION_SIZE))
    variables = rnd.observe(rnd.init_variables(keys[2], seen, None), seen)
    reward = jax.jit(lambda v, o: rnd.intrinsic_reward(v, None, o, None))
    before = reward(variables, repeated), reward(variables, novel)
    trained, _ = jax.jit(lambda v: _train(rnd, v, lambda i: (None, repeated, None), 3e-3, 300))(variables)
    return rnd, variables, trained, before, (reward(trained, repeated), reward(trained, novel))


def test_rnd__reward_falls_on_a_repeated_observation_and_stays_high_on_novel_ones(rnd_run):
    _, _, _, (repeated_before, novel_before), (repeated_after, novel_after) = rnd_run
    assert float(repeated_after[0]) < 0.02 * float(repeated_before[0])
    assert float(novel_after.mean()) > 0.5 * float(novel_before.mean())
    assert float(jnp.min(novel_after)) > 10 * float(repeated_after[0])


def test_rnd__only_the_predictor_is_trained(rnd_run):
    _, variables, trained, _, _ = rnd_run
    assert set(trained["params"]) == {"predictor"}
    jax.tree.map(lambda a, b: assert_equal(a, b), trained["target"], variables["target"])
    changed = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), trained["params"], variables["params"])
    assert all(jax.tree.leaves(changed))


def assert_equal(a, b):
    assert bool(jnp.all(a == b))


def test_rnd__statistics_standardise_and_clip_the_observations(rnd_run):
    rnd, variables, _, _, _ = rnd_run
    moments = variables["statistics"]["observation"]
    assert float(moments.count) == 256.0 and moments.mean.shape == (OBSERVATION_SIZE,)
    # Beyond the clip every observation is the same input: the same reward.
    far = jnp.full((2, OBSERVATION_SIZE), 1e3).at[1].set(1e6)
    rewards = rnd.intrinsic_reward(variables, None, far, None)
    assert float(rewards[0]) == pytest.approx(float(rewards[1]))


def test_rnd__update_proportion_trains_on_a_random_subset_of_the_batch(rnd_run):
    """The loss is the mean error of exactly the transitions whose gradient it carries, about a quarter of them."""
    rnd, variables, _, _, _ = rnd_run
    quarter = rnd.clone(update_proportion=0.25)
    batch = jax.random.normal(jax.random.key(5), (2000, OBSERVATION_SIZE))
    error = rnd.intrinsic_reward(variables, None, batch, None)
    loss = lambda module, x, key=None: module.loss(variables, None, x, None, key=key)[0]  # noqa: E731
    assert float(loss(rnd, batch)) == pytest.approx(float(jnp.mean(error)), rel=1e-6)  # proportion 1: every one
    gradient = jax.grad(loss, argnums=1)(quarter, batch, jax.random.key(6))
    kept = jnp.any(gradient != 0, axis=-1)
    assert 0.22 < float(jnp.mean(kept)) < 0.28  # Binomial(2000, 0.25): about 0.25 +- 0.01
    assert float(loss(quarter, batch, jax.random.key(6))) == pytest.approx(float(jnp.mean(error[kept])), rel=1e-5)
    assert float(loss(quarter, batch, jax.random.key(7))) != float(loss(quarter, batch, jax.random.key(6)))
    with pytest.raises(ValueError, match="needs a key"):
        quarter.loss(variables, None, batch, None)
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match=r"RND.update_proportion must lie in \(0, 1\]"):
            rnd.clone(update_proportion=bad)


def test_rnd__refuses_mismatched_feature_sizes():
    rnd = RND(target=MLP(features=(16,)), predictor=MLP(features=(8,)))
    with pytest.raises(ValueError, match="same number of output features"):
        rnd.init_variables(jax.random.key(0), jnp.zeros((2, 3)), None)


RING, ACTIONS = 6, 3  # positions on a ring; actions move left, stay, right


def _ring_transitions(key, batch):
    """A deterministic toy env: one-hot position on a ring, action a moves it by a - 1."""
    position_key, action_key = jax.random.split(key)
    position = jax.random.randint(position_key, (batch,), 0, RING)
    action = jax.random.randint(action_key, (batch,), 0, ACTIONS)
    next_position = (position + action - 1) % RING
    return jax.nn.one_hot(position, RING), jax.nn.one_hot(next_position, RING), action


def _icm(beta=0.2):
    return ICM(encoder=MLP(features=(32,)), forward_model=MLP(features=(32,)), inverse_model=MLP(features=(32,)),
               num_actions=ACTIONS, beta=beta)


def test_icm__inverse_model_learns_the_action_of_a_deterministic_toy_env():
    icm = _icm()
    observation, next_observation, action = _ring_transitions(jax.random.key(0), 8)
    variables = icm.init_variables(jax.random.key(1), observation, action)
    data = lambda i: _ring_transitions(jax.random.fold_in(jax.random.key(2), i), 64)
    trained, metrics = jax.jit(lambda v: _train(icm, v, data, 1e-2, 300))(variables)
    position = jnp.repeat(jnp.arange(RING), ACTIONS)
    every_action = jnp.tile(jnp.arange(ACTIONS), RING)  # every (position, action) pair once
    observation, next_observation = jax.nn.one_hot(position, RING), jax.nn.one_hot((position + every_action - 1) % RING, RING)
    logits = icm.apply(trained, observation, next_observation, every_action).action_logits
    assert bool(jnp.all(jnp.argmax(logits, axis=-1) == every_action))
    assert float(metrics["icm_inverse"][-1]) < 0.1 * float(metrics["icm_inverse"][0])
    # The forward model learns the dynamics too: the curiosity reward of known transitions falls.
    assert float(metrics["icm_forward"][-1]) < float(metrics["icm_forward"][0])


@pytest.mark.parametrize("beta, untrained", [(0.0, "next_features"), (1.0, "action_logits")])
def test_icm__beta_weighs_the_forward_against_the_inverse_loss(beta, untrained):
    icm = _icm(beta)
    observation, next_observation, action = _ring_transitions(jax.random.key(3), 16)
    variables = icm.init_variables(jax.random.key(4), observation, action)
    grads = jax.grad(lambda p: icm.loss({"params": p}, observation, next_observation, action)[0])(variables["params"])
    norm = lambda tree: float(optax.global_norm(tree))
    assert norm(grads[untrained]) == 0.0
    assert norm(grads) > 0.0


def test_icm__refuses_continuous_actions_and_a_bad_beta():
    with pytest.raises(ValueError, match="integer actions"):
        _icm().init_variables(jax.random.key(0), jnp.zeros((2, 3)), jnp.zeros((2,), jnp.float32))
    with pytest.raises(ValueError, match="beta must lie in"):
        _icm(beta=1.5)
