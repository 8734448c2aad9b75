"""Every sequence model under test, built and jitted once per session (tiny sizes, CPU)."""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.networks import (
    RNN,
    RTRL,
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
    RL2Wrapper,
    RTUCell,
    S5Cell,
    S5Config,
    SHMCell,
    mLSTMCell,
    mLSTMConfig,
    sLSTMCell,
)

BATCH, LENGTH, FEATURES = 2, 8, 6

MEMOROID_CELLS: dict[str, Callable[[], nn.Module]] = {
    "lru": lambda: LRUCell(config=LRUConfig(features=5, hidden_dim=4)),
    "s5": lambda: S5Cell(config=S5Config(features=5, hidden_dim=4)),
    "min_gru": lambda: MinGRUCell(config=MinGRUConfig(features=5)),
    "ffm": lambda: FFMCell(config=FFMConfig(features=5, memory_size=4, context_size=3)),
    "mamba2": lambda: Mamba2Cell(config=Mamba2Config(features=8, head_dim=4, state_dim=4, conv_kernel_size=3)),
    "mlstm": lambda: mLSTMCell(config=mLSTMConfig(features=5, hidden_dim=8, num_heads=2, conv_kernel_size=3)),
    "linear_attention": lambda: LinearAttentionCell(
        config=LinearAttentionConfig(features=5, num_heads=2, head_dim=3)
    ),
}

MODELS: dict[str, Callable[[], nn.Module]] = {
    "gru": lambda: RNN(cell=nn.GRUCell(features=5)),
    "lstm": lambda: RNN(cell=nn.LSTMCell(features=5)),
    "slstm": lambda: RNN(cell=sLSTMCell(features=8, num_heads=2, conv_kernel_size=3)),
    "shm": lambda: RNN(cell=SHMCell(features=5, memory_dim=4, num_thetas=3)),
    "rtu": lambda: RNN(cell=RTUCell(features=5, hidden_dim=4)),
    **{name: (lambda cell=cell: Memoroid(cell=cell(), mode="associative")) for name, cell in MEMOROID_CELLS.items()},
    "rtrl_rtu": lambda: RTRL(RNN(cell=RTUCell(features=5, hidden_dim=4)), input_features=FEATURES),
    "rtrl_lru": lambda: RTRL(
        Memoroid(cell=LRUCell(config=LRUConfig(features=5, hidden_dim=4)), mode="associative"),
        input_features=FEATURES,
    ),
    "rl2_gru": lambda: RL2Wrapper(RNN(cell=nn.GRUCell(features=5)), steps_per_trial=3),
}

# Cells that compute internally in float32 and accept bfloat16 inputs.
BF16_MODELS = ("slstm", "shm", "rtu", *MEMOROID_CELLS)


@dataclasses.dataclass(frozen=True)
class Case:
    """A built model, its params and one jitted ``apply(params, x, done, carry)``."""

    name: str
    model: nn.Module
    params: Any
    apply: Callable[..., Any]

    def fresh(self, batch_shape: tuple[int, ...] = (BATCH,)) -> Any:
        return self.model.initialize_carry(jax.random.key(0), (*batch_shape, FEATURES))


def inputs(seed: int, length: int = LENGTH, dtype: Any = jnp.float32) -> jax.Array:
    return jax.random.normal(jax.random.key(seed), (BATCH, length, FEATURES), dtype)


@functools.cache
def build(name: str) -> Case:
    """Builds (once per session) the model ``MODELS[name]``; shared by all fixtures."""
    model = MODELS[name]()
    done = jnp.zeros((BATCH, LENGTH), bool)
    params = model.init(jax.random.key(0), inputs(0), done)
    return Case(name, model, params, jax.jit(model.apply))
