"""The torso snippets of the "Building Networks" guide run as written (real initializers)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest

from memorax.networks import (
    RNN,
    FFMCell,
    FFMConfig,
    LinearAttentionCell,
    LinearAttentionConfig,
    LRUCell,
    LRUConfig,
    Mamba2Cell,
    Mamba2Config,
    Memoroid,
    MinGRUCell,
    MinGRUConfig,
    S5Cell,
    S5Config,
    SequenceModelWrapper,
    mLSTMCell,
    mLSTMConfig,
)

TORSOS = {
    "gru": lambda: RNN(cell=nn.GRUCell(features=64)),
    "lstm": lambda: RNN(cell=nn.LSTMCell(features=64)),
    "mamba2": lambda: Memoroid(cell=Mamba2Cell(config=Mamba2Config(features=64))),
    "s5": lambda: Memoroid(cell=S5Cell(config=S5Config(features=64, hidden_dim=64))),
    "lru": lambda: Memoroid(cell=LRUCell(config=LRUConfig(features=64, hidden_dim=64))),
    "mlstm": lambda: Memoroid(cell=mLSTMCell(config=mLSTMConfig(features=64, hidden_dim=64, num_heads=4))),
    "linear_attention": lambda: Memoroid(
        cell=LinearAttentionCell(config=LinearAttentionConfig(features=64, num_heads=4, head_dim=16))
    ),
    "min_gru": lambda: Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=64))),
    "ffm": lambda: Memoroid(cell=FFMCell(config=FFMConfig(features=64))),
    "mlp": lambda: SequenceModelWrapper(nn.Sequential((nn.Dense(64), nn.relu))),
}


@pytest.mark.parametrize("name", list(TORSOS))
def test_seed_guide__torso_runs_as_written(name: str) -> None:
    torso = TORSOS[name]()
    x, done = jnp.ones((2, 3, 64)), jnp.zeros((2, 3), bool).at[1, 1].set(True)

    @jax.jit
    def init_and_apply(key: jax.Array) -> tuple:
        params = torso.init(key, x, done)
        carry = torso.initialize_carry(key, (2, 64))
        return torso.apply(params, x, done, carry)

    carry, y = init_and_apply(jax.random.key(0))
    assert y.shape == (2, 3, 64) and bool(jnp.all(jnp.isfinite(y)))
