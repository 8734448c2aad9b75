"""Every sequence model under test, built and jitted once per session (tiny sizes, CPU)."""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

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

BATCH, LENGTH, FEATURES = 2, 6, 6

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


def generic_params(model: nn.Module, seed: int = 0) -> Any:
    """Params of the right shapes drawn from N(0, 1/width) (vectors: N(0, 0.25)).

    The properties under test hold for *any* parameters; drawing them with numpy avoids
    compiling every model's initializers (the real initializers run in test_seed_guide.py).
    """
    shapes = jax.eval_shape(model.init, jax.random.key(0), inputs(0)[:, :1], jnp.zeros((BATCH, 1), bool))
    rng = np.random.default_rng(seed)

    def draw(leaf: jax.ShapeDtypeStruct) -> jax.Array:
        scale = 0.5 if len(leaf.shape) < 2 else 1.0 / np.sqrt(max(leaf.shape[-2:]))
        return jnp.asarray(rng.normal(0.0, scale, leaf.shape), leaf.dtype)

    return jax.tree.map(draw, shapes)


@functools.cache
def build(name: str) -> Case:
    """Builds (once per session) the model ``MODELS[name]``; shared by all fixtures."""
    model = MODELS[name]()
    return Case(name, model, generic_params(model), jax.jit(model.apply))
