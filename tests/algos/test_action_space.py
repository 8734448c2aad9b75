"""The algorithm fills in ``FeatureExtractor.num_actions`` from a discrete action space.

The Building Networks guide writes ``FeatureExtractor(action_extractor=...)`` without
``num_actions``; PPO and DQN must run it as written.
"""

import flax.linen as nn
import jax
import optax
import pytest

from memorax.algorithms import DQN, PPO, QRC, DQNConfig, PPOConfig, QRCConfig, StreamAC, StreamACConfig
from memorax.algorithms._network import with_action_space
from memorax.networks import RNN, FeatureExtractor, Network


def _seed_extractor(**kwargs) -> FeatureExtractor:
    """The Building Networks guide's extractor, as written."""
    return FeatureExtractor(
        observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
        action_extractor=nn.Sequential((nn.Dense(32), nn.relu)),
        reward_extractor=nn.Sequential((nn.Dense(16), nn.relu)),
        done_extractor=nn.Sequential((nn.Dense(16), nn.relu)),
        **kwargs,
    )


def _network(head, **kwargs) -> Network:
    return Network(feature_extractor=_seed_extractor(**kwargs), torso=RNN(cell=nn.GRUCell(features=8)), head=head)


def test_with_action_space__sets_num_actions_only_where_it_is_missing(probes):
    env = probes["RememberBit"]()
    filled = with_action_space(_network(probes["heads"].Categorical(action_dim=2)), env, None)
    assert filled.feature_extractor.num_actions == 2
    explicit = _network(probes["heads"].Categorical(action_dim=2), num_actions=5)
    assert with_action_space(explicit, env, None) is explicit
    no_actions = Network(
        feature_extractor=FeatureExtractor(observation_extractor=nn.Dense(4)), head=probes["heads"].VNetwork()
    )
    assert with_action_space(no_actions, env, None) is no_actions


def test_with_action_space__leaves_continuous_action_spaces_alone(probes):
    class Continuous:
        def action_space(self, params):
            return type(probes["RememberBit"]().observation_space(None))(-1.0, 1.0, (2,))

    network = _network(probes["heads"].VNetwork())
    assert with_action_space(network, Continuous(), None) is network


def test_ppo__runs_the_guides_action_extractor_without_num_actions(probes):
    env = probes["RememberBit"]()
    config = PPOConfig(num_envs=2, num_steps=4, num_minibatches=1, update_epochs=1)
    agent = PPO(
        config, env, None, _network(probes["heads"].Categorical(action_dim=2)), _network(probes["heads"].VNetwork()),
        optax.adam(1e-3), optax.adam(1e-3),
    )
    _, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), config.batch_size)
    assert int(logs["step"]) == config.batch_size


def test_dqn__runs_the_guides_action_extractor_without_num_actions(probes):
    env = probes["RememberBit"]()
    config = DQNConfig(num_envs=2, train_frequency=2, burn_in_length=0, buffer_size=64, batch_size=4, learning_starts=0)
    agent = DQN(config, env, None, _network(probes["heads"].DiscreteQNetwork(action_dim=2)), optax.adam(1e-3))
    _, logs = agent.train(jax.random.key(1), agent.init(jax.random.key(0)), 8)
    assert int(logs["step"]) == 8


def test_feature_extractor__still_names_num_actions_when_used_outside_an_algorithm():
    extractor = _seed_extractor()
    x = jax.numpy.zeros((1, 1, 3))
    action = jax.numpy.zeros((1, 1), jax.numpy.int32)
    with pytest.raises(ValueError, match="num_actions is required"):
        extractor.init(jax.random.key(0), x, action, jax.numpy.zeros((1, 1)), jax.numpy.zeros((1, 1), bool))


def test_streaming_algorithms__initialise_with_the_guides_action_extractor(probes):
    """StreamAC and QRC fill in num_actions too (traced only: init fails without it)."""
    env, heads = probes["RememberBit"](), probes["heads"]
    stream_ac = StreamAC(
        StreamACConfig(num_envs=2), env, None, _network(heads.Categorical(action_dim=2)), _network(heads.VNetwork())
    )
    qrc = QRC(QRCConfig(num_envs=2), env, None, _network(heads.DiscreteQNetwork(action_dim=2)), optax.adam(1e-3))
    for agent in (stream_ac, qrc):
        state = jax.eval_shape(agent.init, jax.random.key(0))
        assert jax.tree.leaves(state)
