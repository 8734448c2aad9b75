"""Speed of memorax sequence models: forward, forward+backward, one-step latency.

Prints one JSON line per measurement: {"name", "config", "value", "unit"} where value is
the median wall time (ms) of jitted calls after a warm-up (compile) call. Memoroids
appear twice, ``<cell>[associative]`` and ``<cell>[sequential]``, side by side. For each
model: ``<model>/step_latency`` (one forward step, T=1, as when acting), then
``<model>/forward`` and ``<model>/forward_backward`` at every training length (T=128
and T=1024 by default), printed next to each other.

    uv run python benchmarks/sequence_models.py            # B=64, T in {128, 1024}, F=64
    uv run python benchmarks/sequence_models.py --quick    # tiny smoke run
    uv run python benchmarks/sequence_models.py --models gru lru[associative]

Add a model by adding a zero-argument factory to MODELS (its features must be F).
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

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
    RoPE,
    RTUCell,
    S5Cell,
    S5Config,
    SelfAttention,
    SelfAttentionConfig,
    SHMCell,
    mLSTMCell,
    mLSTMConfig,
    gpt2,
    gtrxl,
    sLSTMCell,
    xlstm,
)

F = 64

MEMOROID_CELLS: dict[str, Callable[[], nn.Module]] = {
    "lru": lambda: LRUCell(config=LRUConfig(features=F, hidden_dim=F)),
    "s5": lambda: S5Cell(config=S5Config(features=F, hidden_dim=F)),
    "min_gru": lambda: MinGRUCell(config=MinGRUConfig(features=F)),
    "ffm": lambda: FFMCell(config=FFMConfig(features=F)),
    "mamba2": lambda: Mamba2Cell(config=Mamba2Config(features=F)),
    "mlstm": lambda: mLSTMCell(config=mLSTMConfig(features=F, hidden_dim=F, num_heads=4)),
    "linear_attention": lambda: LinearAttentionCell(config=LinearAttentionConfig(features=F, num_heads=4, head_dim=16)),
}

MODELS: dict[str, Callable[[], nn.Module]] = {
    "gru": lambda: RNN(cell=nn.GRUCell(features=F)),
    "lstm": lambda: RNN(cell=nn.LSTMCell(features=F)),
    "slstm": lambda: RNN(cell=sLSTMCell(features=F, num_heads=4)),
    "shm": lambda: RNN(cell=SHMCell(features=F)),
    "rtu": lambda: RNN(cell=RTUCell(features=F, hidden_dim=F)),
    "attention": lambda: SelfAttention(config=SelfAttentionConfig(features=F, num_heads=4, context_length=128)),
    "attention[rope]": lambda: SelfAttention(
        config=SelfAttentionConfig(features=F, num_heads=4, context_length=128, positional_embedding=RoPE())
    ),
    "gtrxl": lambda: gtrxl(features=F, num_heads=4, num_layers=2, context_length=128, memory_length=64),
    "gpt2": lambda: gpt2(features=F, num_heads=4, num_layers=2, context_length=128),
    "xlstm": lambda: xlstm(features=F, pattern="ms", num_heads=4),
    **{
        f"{name}[{mode}]": (lambda cell=cell, mode=mode: Memoroid(cell=cell(), mode=mode))
        for name, cell in MEMOROID_CELLS.items()
        for mode in ("associative", "sequential")
    },
}


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    jax.block_until_ready(fn())  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def emit(name: str, config: dict, value: float) -> float:
    print(json.dumps({"name": name, "config": config, "value": round(value, 3), "unit": "ms"}), flush=True)
    return value


def bench(name: str, model: nn.Module, batch: int, lengths: list[int], repeats: int) -> dict[str, float]:
    """Times ``model`` at every length; returns ``{"<metric> T=<length>": ms}`` (also printed)."""
    key = jax.random.key(0)
    params = jax.jit(model.init)(key, jnp.zeros((batch, 1, F)), jnp.zeros((batch, 1), bool))
    carry = model.initialize_carry(key, (batch, F))
    forward = jax.jit(lambda p, x, d, c: model.apply(p, x, d, c)[1])
    backward = jax.jit(jax.grad(lambda p, x, d, c: jnp.sum(model.apply(p, x, d, c)[1].astype(jnp.float32) ** 2)))
    times = {}
    for length in lengths:
        x = jax.random.normal(key, (batch, length, F))
        done = jax.random.bernoulli(key, 0.01, (batch, length))
        config = {"B": batch, "T": length, "F": F}
        if length == 1:
            times["step T=1"] = emit(
                f"{name}/step_latency", config, median_ms(lambda: forward(params, x, done, carry), repeats)
            )
            continue
        times[f"fwd T={length}"] = emit(
            f"{name}/forward", config, median_ms(lambda: forward(params, x, done, carry), repeats)
        )
        times[f"fwd+bwd T={length}"] = emit(
            f"{name}/forward_backward", config, median_ms(lambda: backward(params, x, done, carry), repeats)
        )
    return times


def print_table(rows: dict[str, dict[str, float]]) -> None:
    """One line per model with its lengths side by side (ms), on stderr (stdout stays JSON)."""
    columns = list(dict.fromkeys(column for times in rows.values() for column in times))
    width = max(len(name) for name in rows)
    print(f"{'model (ms)':<{width}}  " + "  ".join(f"{c:>15}" for c in columns), file=sys.stderr)
    for name, times in rows.items():
        cells = "  ".join(f"{times[c]:>15.2f}" if c in times else f"{'':>15}" for c in columns)
        print(f"{name:<{width}}  {cells}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run (B=4, T in {1, 16})")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=list(MODELS), help="subset of MODELS")
    args = parser.parse_args()
    unknown = sorted(set(args.models) - set(MODELS))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {sorted(MODELS)}")
    batch, lengths = (4, [1, 16]) if args.quick else (64, [1, 128, 1024])
    repeats = 1 if args.quick else args.repeats
    rows = {name: bench(name, MODELS[name](), batch, lengths, repeats) for name in args.models}
    print_table(rows)


if __name__ == "__main__":
    main()
