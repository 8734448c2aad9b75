"""Network and FeatureExtractor: the feature extractor -> torso -> head pipeline."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.networks import MLP, FeatureExtractor, Network, heads
from memorax.networks.sequence_models.sequence_model import SequenceModel, SequenceModelWrapper

B, T = 3, 6


class _RunningSum(SequenceModel):
    """A minimal recurrent torso: the running sum of its inputs within an episode."""

    @nn.compact
    def __call__(self, inputs, done, initial_carry=None, **kwargs):
        carry = self.initialize_carry(None, (inputs.shape[0], inputs.shape[-1])) if initial_carry is None else initial_carry

        def step(c, xs):
            x, d = xs
            c = jnp.where(d[:, None], 0.0, c) + x
            return c, c

        carry, ys = jax.lax.scan(step, carry, (inputs.swapaxes(0, 1), done.swapaxes(0, 1)))
        return carry, ys.swapaxes(0, 1)

    @nn.nowrap
    def initialize_carry(self, key, input_shape):
        return jnp.zeros((*input_shape[:-1], 4))


def _batch(key, obs_shape=(5,)):
    k1, k2, k3 = jax.random.split(key, 3)
    observation = jax.random.normal(k1, (B, T, *obs_shape))
    done = jax.random.bernoulli(k2, 0.3, (B, T))
    action = jax.random.randint(k3, (B, T), 0, 3)
    reward = jnp.ones((B, T))
    return observation, done, action, reward


def test_network__torso_omitted_or_stateless_gives_none_carry():
    observation, done, action, reward = _batch(jax.random.key(0))
    extractor = FeatureExtractor(observation_extractor=MLP(features=(8,)))
    for torso in (None, nn.Dense(8), SequenceModelWrapper(nn.Dense(8))):
        network = Network(extractor, torso, heads.Categorical(action_dim=4))
        params = network.init(jax.random.key(1), observation, done, action, reward)
        carry, dist = network.apply(params, observation, done, action, reward)
        assert carry is None and network.initialize_carry(jax.random.key(0), (B,)) is None
        assert dist.logits.shape == (B, T, 4)


def test_network__recurrent_torso_threads_carry_across_chunks():
    observation, done, action, reward = _batch(jax.random.key(2))
    network = Network(
        feature_extractor=FeatureExtractor(observation_extractor=nn.Dense(4)),
        torso=_RunningSum(),
        head=heads.VNetwork(),
    )
    params = network.init(jax.random.key(1), observation, done, action, reward)
    carry0 = network.initialize_carry(jax.random.key(0), (B,))
    assert carry0.shape == (B, 4)
    whole_carry, whole = network.apply(params, observation, done, action, reward, carry0)
    carry, first = network.apply(params, *(x[:, :2] for x in (observation, done, action, reward)), carry0)
    carry, second = network.apply(params, *(x[:, 2:] for x in (observation, done, action, reward)), carry)
    np.testing.assert_allclose(jnp.concatenate([first, second], 1), whole, atol=1e-6)
    np.testing.assert_allclose(carry, whole_carry, atol=1e-6)


def test_network__rejects_a_bare_cell_and_a_missing_head():
    extractor = FeatureExtractor(observation_extractor=nn.Dense(8))
    with pytest.raises(ValueError, match="RNN\\(cell"):
        Network(extractor, nn.GRUCell(features=8), heads.VNetwork())
    with pytest.raises(ValueError, match="Network.head"):
        Network(extractor, None)


def test_feature_extractor__concatenates_one_hot_previous_action_zeroed_at_done():
    observation, done, action, reward = _batch(jax.random.key(4))
    done = done.at[:, 0].set(True)
    extractor = FeatureExtractor(
        observation_extractor=nn.Dense(8),
        action_extractor=lambda a: a,
        reward_extractor=lambda r: r,
        done_extractor=lambda d: d,
        num_actions=3,
    )
    params = extractor.init(jax.random.key(0), observation, action, reward, done)
    features = extractor.apply(params, observation, action, reward, done)
    assert features.shape == (B, T, 8 + 3 + 1 + 1)
    expected_action = jax.nn.one_hot(action, 3) * ~done[..., None]
    np.testing.assert_array_equal(features[..., 8:11], expected_action)
    np.testing.assert_array_equal(features[..., 11], reward)
    np.testing.assert_array_equal(features[..., 12], done)


def test_feature_extractor__discrete_actions_without_num_actions_are_refused():
    observation, done, action, reward = _batch(jax.random.key(5))
    extractor = FeatureExtractor(observation_extractor=nn.Dense(8), action_extractor=nn.Dense(4))
    with pytest.raises(ValueError, match="num_actions"):
        extractor.init(jax.random.key(0), observation, action, reward, done)


def test_feature_extractor__continuous_actions_pass_through():
    observation, done, _, reward = _batch(jax.random.key(6))
    action = jnp.ones((B, T, 2))
    extractor = FeatureExtractor(observation_extractor=nn.Dense(8), action_extractor=lambda a: a)
    params = extractor.init(jax.random.key(0), observation, action, reward, done)
    np.testing.assert_array_equal(extractor.apply(params, observation, action, reward, done)[..., 8:], action)
