"""Every network snippet of the seed guides runs as written and gives (B, T) shaped outputs.

Networks are traced with ``jax.eval_shape`` (every shape and type is checked without
paying for XLA compilation); the first snippet also runs for real.

Snippets are copied verbatim from ``shared/seeds/003_d805bcfd7c2334bc.txt`` ("Building
Networks") and ``000_76d665115294f2d1.txt`` ("Core Concepts").
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest

B, T = 2, 3


def _run(network, observation, action=None, select=lambda out: out, **kwargs):
    """Traces init and apply (no compilation) and returns the shapes of ``select(output)``."""
    action = jnp.zeros((B, T), jnp.int32) if action is None else action
    done, reward = jnp.zeros((B, T), bool).at[:, 0].set(True), jnp.zeros((B, T))
    params = jax.eval_shape(network.init, jax.random.key(0), observation, done, action, reward, **kwargs)
    carry = network.initialize_carry(jax.random.key(1), (B,))
    return jax.eval_shape(lambda p: select(network.apply(p, observation, done, action, reward, carry, **kwargs)[1]), params)


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
    observation, done = jnp.ones((B, T, 7)), jnp.zeros((B, T), bool).at[:, 0].set(True)
    action, reward = jnp.zeros((B, T), jnp.int32), jnp.zeros((B, T))
    params = actor.init(jax.random.key(0), observation, done, action, reward)
    carry, dist = actor.apply(params, observation, done, action, reward, actor.initialize_carry(jax.random.key(1), (B,)))
    assert dist.logits.shape == (B, T, 4) and carry.shape == (B, 64)


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
    assert _run(network, jnp.ones((B, T, 7)), select=lambda dist: dist.logits).shape == (B, T, 4)


def test_seed_003__head_snippets():
    from memorax.networks import FeatureExtractor, Network, heads

    extractor = FeatureExtractor(observation_extractor=nn.Dense(8))
    observation = jnp.ones((B, T, 5))
    current_action = jnp.zeros((B, T, 2))
    expected = {  # name: (what to read from the output, its shapes)
        "Categorical": (lambda out: out.logits, (B, T, 4)),
        "DiscreteQNetwork": (lambda out: out, (B, T, 4)),
        "SquashedGaussian": (lambda out: out.sample(seed=jax.random.key(0)), (B, T, 2)),
        "TwinContinuousQNetwork": (lambda out: out, ((B, T), (B, T))),
        "VNetwork": (lambda out: out, (B, T)),
        "HLGaussVNetwork": (lambda out: out, (B, T, 101)),
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
        select, shapes = expected[type(head).__name__]
        out = _run(Network(extractor, head=head), observation, select=select, current_action=current_action)
        assert jax.tree.map(lambda leaf: leaf.shape, out) == shapes


def test_seed_000__actor_and_critic_snippet():
    import flax.linen as nn
    from memorax.networks import FeatureExtractor, Network, RNN, Memoroid, Mamba2Cell, Mamba2Config, heads

    feature_extractor = FeatureExtractor(
        observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
    )

    actor = Network(feature_extractor, torso=RNN(cell=nn.GRUCell(features=64)), head=heads.Categorical(action_dim=4))
    critic = Network(feature_extractor, torso=Memoroid(cell=Mamba2Cell(config=Mamba2Config(features=64))), head=heads.VNetwork())
    observation = jnp.ones((B, T, 7))
    assert _run(actor, observation, select=lambda dist: dist.logits).shape == (B, T, 4)
    assert _run(critic, observation).shape == (B, T)
