"""Every network snippet of the seed guides runs as written and gives (B, T) shaped outputs.

Snippets are copied verbatim from ``shared/seeds/003_d805bcfd7c2334bc.txt`` ("Building
Networks") and ``000_76d665115294f2d1.txt`` ("Core Concepts").
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest

B, T = 2, 3


def _run(network, observation, action=None, **kwargs):
    action = jnp.zeros((B, T), jnp.int32) if action is None else action
    done, reward = jnp.zeros((B, T), bool).at[:, 0].set(True), jnp.zeros((B, T))
    params = jax.jit(network.init)(jax.random.key(0), observation, done, action, reward, **kwargs)
    carry = network.initialize_carry(jax.random.key(1), (B,))
    _, out = jax.jit(network.apply)(params, observation, done, action, reward, carry, **kwargs)
    return out


def test_seed_003__pipeline_snippet():
    import flax.linen as nn
    from memorax.networks import FeatureExtractor, Network, RNN, heads

    actor = Network(
        feature_extractor=FeatureExtractor(
            observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
        ),
        torso=RNN(cell=nn.GRUCell(features=64)),
        head=heads.Categorical(action_dim=4),
    )
    assert _run(actor, jnp.ones((B, T, 7))).logits.shape == (B, T, 4)


def test_seed_003__feature_extractor_snippets():
    from memorax.networks import FeatureExtractor, Network, heads

    feature_extractor = FeatureExtractor(
        observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
        action_extractor=nn.Sequential((nn.Dense(32), nn.relu)),
        reward_extractor=nn.Sequential((nn.Dense(16), nn.relu)),
        done_extractor=nn.Sequential((nn.Dense(16), nn.relu)),
    )
    network = Network(feature_extractor, head=heads.VNetwork())
    assert _run(network, jnp.ones((B, T, 7)), action=jnp.ones((B, T, 2))).shape == (B, T)

    from memorax.networks import ViT, PatchEmbedding

    feature_extractor = FeatureExtractor(
        observation_extractor=ViT(
            features=64, num_layers=4, num_heads=4, expansion_factor=4,
            patch_embedding=PatchEmbedding(patch_size=8, features=64),
        ),
    )
    network = Network(feature_extractor, head=heads.DiscreteQNetwork(action_dim=3))
    assert _run(network, jnp.ones((B, T, 16, 16, 3))).shape == (B, T, 3)


def _torsos():
    from memorax.networks import RNN

    yield RNN(cell=nn.GRUCell(features=64))
    yield RNN(cell=nn.LSTMCell(features=64))

    from memorax.networks import Memoroid, Mamba2Cell, Mamba2Config, S5Cell, S5Config, LRUCell, LRUConfig, mLSTMCell, mLSTMConfig, MinGRUCell, MinGRUConfig, FFMCell, FFMConfig  # noqa: F401, E501

    yield Memoroid(cell=Mamba2Cell(config=Mamba2Config(features=64)))
    yield Memoroid(cell=S5Cell(config=S5Config(features=64, hidden_dim=64)))
    yield Memoroid(cell=LRUCell(config=LRUConfig(features=64, hidden_dim=64)))
    yield Memoroid(cell=mLSTMCell(config=mLSTMConfig(features=64, hidden_dim=64, num_heads=4)))

    from memorax.networks import SelfAttention, SelfAttentionConfig, LinearAttentionCell, LinearAttentionConfig

    yield SelfAttention(config=SelfAttentionConfig(features=64, num_heads=4, context_length=128))
    yield Memoroid(cell=LinearAttentionCell(config=LinearAttentionConfig(features=64, num_heads=4, head_dim=16)))

    from memorax.networks import SequenceModelWrapper

    yield SequenceModelWrapper(nn.Sequential((nn.Dense(64), nn.relu)))

    from memorax.networks import (
        FFN, ALiBi, GatedResidual, PreNorm,
        SegmentRecurrence, SelfAttention, SelfAttentionConfig, Stack,
    )

    features, num_heads, num_layers = 64, 4, 2

    attention = GatedResidual(PreNorm(SegmentRecurrence(
        SelfAttention(config=SelfAttentionConfig(features=features, num_heads=num_heads, context_length=128, positional_embedding=ALiBi(num_heads))),
        memory_length=64, features=features,
    )))
    ffn = GatedResidual(PreNorm(FFN(features=features, expansion_factor=4)))
    torso = Stack(blocks=(attention, ffn) * num_layers)
    yield torso


TORSOS = list(_torsos())


@pytest.mark.parametrize("torso", TORSOS, ids=[type(t).__name__ + str(i) for i, t in enumerate(TORSOS)])
def test_seed_003__torso_snippets_run_in_a_network(torso):
    from memorax.networks import FeatureExtractor, Network, heads

    network = Network(
        feature_extractor=FeatureExtractor(observation_extractor=nn.Sequential((nn.Dense(64), nn.relu))),
        torso=torso,
        head=heads.Categorical(action_dim=4),
    )
    assert _run(network, jnp.ones((B, T, 7))).logits.shape == (B, T, 4)


def test_seed_003__head_snippets():
    from memorax.networks import FeatureExtractor, Network, heads

    extractor = FeatureExtractor(observation_extractor=nn.Dense(8))
    observation = jnp.ones((B, T, 5))
    current_action = jnp.zeros((B, T, 2))
    expected = {
        "Categorical": lambda out: out.logits.shape == (B, T, 4),
        "DiscreteQNetwork": lambda out: out.shape == (B, T, 4),
        "SquashedGaussian": lambda out: out.sample(seed=jax.random.key(0)).shape == (B, T, 2),
        "TwinContinuousQNetwork": lambda out: out[0].shape == out[1].shape == (B, T),
        "VNetwork": lambda out: out.shape == (B, T),
        "HLGaussVNetwork": lambda out: out.shape == (B, T, 101),
    }
    # Discrete
    heads.Categorical(action_dim=4)
    heads.DiscreteQNetwork(action_dim=4)

    # Continuous
    heads.SquashedGaussian(action_dim=2)
    heads.TwinContinuousQNetwork()

    # Value
    heads.VNetwork()
    heads.HLGaussVNetwork(num_bins=101)
    for head in (
        heads.Categorical(action_dim=4), heads.DiscreteQNetwork(action_dim=4),
        heads.SquashedGaussian(action_dim=2), heads.TwinContinuousQNetwork(),
        heads.VNetwork(), heads.HLGaussVNetwork(num_bins=101),
    ):
        out = _run(Network(extractor, head=head), observation, current_action=current_action)
        assert expected[type(head).__name__](out)


def test_seed_000__actor_and_critic_snippet():
    import flax.linen as nn
    from memorax.networks import FeatureExtractor, Network, RNN, Memoroid, Mamba2Cell, Mamba2Config, heads

    feature_extractor = FeatureExtractor(
        observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
    )

    actor = Network(feature_extractor, torso=RNN(cell=nn.GRUCell(features=64)), head=heads.Categorical(action_dim=4))
    critic = Network(feature_extractor, torso=Memoroid(cell=Mamba2Cell(config=Mamba2Config(features=64))), head=heads.VNetwork())
    observation = jnp.ones((B, T, 7))
    assert _run(actor, observation).logits.shape == (B, T, 4)
    assert _run(critic, observation).shape == (B, T)
