"""Shared builders for the learning tests: small networks and a train-then-evaluate run."""

import time

import flax.linen as nn
import jax
import pytest

from memorax.core import episode_return
from memorax.networks import MLP, RNN, FeatureExtractor, Memoroid, MinGRUCell, MinGRUConfig, Network

TORSOS = {
    "mlp": lambda: None,
    "gru": lambda: RNN(cell=nn.GRUCell(features=64)),
    "mingru": lambda: Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=64))),
}


def network(head, torso: str = "mlp", features=(64, 64), activation=nn.tanh):
    extractor = FeatureExtractor(observation_extractor=MLP(features=features, activation=activation))
    return Network(extractor, torso=TORSOS[torso](), head=head)


def train_and_evaluate(agent, seed: int, num_steps: int, eval_steps: int) -> tuple[float, float]:
    """Trains ``num_steps`` from ``init(seed)``; returns (mean evaluation return, wall seconds)."""
    start = time.perf_counter()
    key = jax.random.key(seed)
    init_key, train_key, eval_key = jax.random.split(key, 3)
    state, _ = agent.train(train_key, agent.init(init_key), num_steps)
    result = episode_return(agent.evaluate(eval_key, state, eval_steps))
    return result, time.perf_counter() - start


@pytest.fixture(scope="session")
def learning():
    return {"network": network, "train_and_evaluate": train_and_evaluate}
