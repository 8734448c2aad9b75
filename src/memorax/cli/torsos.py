"""The torsos ``memorax train --torso NAME`` offers: one builder per name, sized by the network spec."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memorax.cli.experiment import NetworkSpec

TORSO_NAMES = (
    "mlp", "gru", "lstm", "slstm", "shm", "rtu", "lru", "mingru", "s5", "ffm", "mamba2", "mlstm",
    "linear_attention", "attention", "gtrxl", "gpt2", "xlstm",
)  # fmt: skip


def _builders() -> dict[str, Callable[["NetworkSpec"], Any]]:
    import flax.linen as nn

    from memorax import networks as n

    def memoroid(cell: Any) -> Any:
        return n.Memoroid(cell=cell)

    return {
        "mlp": lambda s: None,
        "gru": lambda s: n.RNN(cell=nn.GRUCell(features=s.features)),
        "lstm": lambda s: n.RNN(cell=nn.LSTMCell(features=s.features)),
        "slstm": lambda s: n.RNN(cell=n.sLSTMCell(features=s.features)),
        "shm": lambda s: n.RNN(cell=n.SHMCell(features=s.features)),
        "rtu": lambda s: n.RNN(cell=n.RTUCell(features=s.features)),
        "lru": lambda s: memoroid(n.LRUCell(config=n.LRUConfig(features=s.features, hidden_dim=s.features))),
        "mingru": lambda s: memoroid(n.MinGRUCell(config=n.MinGRUConfig(features=s.features))),
        "s5": lambda s: memoroid(n.S5Cell(config=n.S5Config(features=s.features))),
        "ffm": lambda s: memoroid(n.FFMCell(config=n.FFMConfig(features=s.features))),
        "mamba2": lambda s: memoroid(n.Mamba2Cell(config=n.Mamba2Config(features=s.features))),
        "mlstm": lambda s: memoroid(n.mLSTMCell(config=n.mLSTMConfig(features=s.features))),
        "linear_attention": lambda s: memoroid(
            n.LinearAttentionCell(config=n.LinearAttentionConfig(features=s.features))
        ),
        "attention": lambda s: n.SelfAttention(
            config=n.SelfAttentionConfig(
                features=s.features, num_heads=s.num_heads, context_length=s.context_length
            )
        ),
        "gtrxl": lambda s: n.gtrxl(
            features=s.features, num_heads=s.num_heads, num_layers=s.num_layers,
            context_length=s.context_length, memory_length=s.context_length,
        ),
        "gpt2": lambda s: n.gpt2(
            features=s.features, num_heads=s.num_heads, num_layers=s.num_layers, context_length=s.context_length
        ),
        "xlstm": lambda s: n.xlstm(features=s.features, pattern=s.xlstm_pattern, num_heads=s.num_heads),
    }  # fmt: skip


def build_torso(name: str, spec: "NetworkSpec") -> Any:
    """The sequence model ``name`` (``None`` for the memoryless ``mlp``), ``spec.features`` wide."""
    builders = _builders()
    if name not in builders:
        raise ValueError(f"unknown torso {name!r}; choose one of {', '.join(TORSO_NAMES)}.")
    return builders[name](spec)
