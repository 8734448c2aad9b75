"""Chunkwise-parallel decayed linear attention with episode resets (Mamba-2, mLSTM, linear attention).

Per head the state is a matrix ``S_t = f_t S_{t-1} + i_t v_t k_t^T`` read out as
``y_t = S_t q_t``, with a reset (``S_{t-1} = 0``) where ``done[t]``. Instead of
materialising ``S_t`` at every step (``(B, T, H, V, K)``), the sequence is cut into
blocks of ``block`` steps: inside a block, outputs are a masked, decayed attention over
the block's own steps plus the readout of the state at the block start; the states at
block starts come from a resettable scan over per-block summaries (the memoroid scan
given, so associative and sequential modes still agree). This is the state-space-duality
algorithm of Mamba-2 (Dao & Gu, 2024) and the chunkwise form of mLSTM (Beck et al., 2024).

Log decays over a span are summed step by step inside the block (a masked cumulative
sum, not a difference of prefix sums), so they round like the step-by-step recurrence.
With ``stabilized`` the state is kept as ``exp(-m) S`` with the running maximum ``m`` of
the log weights (mLSTM's exponential gating); otherwise decays must be ``<= 1``.
"""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.sequence_models.scan import Scan, linear_recurrence

NEGLIGIBLE = -1e30  # log weight of what does not contribute: exp underflows to 0


def stabilized_combine(a: dict[str, Array], b: dict[str, Array]) -> dict[str, Array]:
    """Monoid of stabilised states ``{"log_f": (...), "m": (...), "s": (..., V, K)}``: ``a`` then ``b``."""
    m = jnp.maximum(b["log_f"] + a["m"], b["m"])
    weight_a, weight_b = jnp.exp(b["log_f"] + a["m"] - m), jnp.exp(b["m"] - m)
    return {
        "log_f": a["log_f"] + b["log_f"],
        "m": m,
        "s": weight_a[..., None, None] * a["s"] + weight_b[..., None, None] * b["s"],
    }


def chunkwise_linear_attention(
    query: Array,
    key: Array,
    value: Array,
    log_forget: Array,
    log_input: Array | None,
    done: Array,
    state: Array,
    stabilizer: Array | None,
    scan: Scan,
    block: int = 64,
) -> tuple[Array, Array | None, Array, Array | None]:
    """Readouts ``S_t q_t`` of every step and the final state.

    Args:
        query, key: ``(B, T, H, K)``.
        value: ``(B, T, H, V)``.
        log_forget: ``(B, T, H)`` log decay ``log f_t`` (``<= 0`` unless stabilised).
        log_input: ``(B, T, H)`` log input weight ``log i_t``, or ``None`` (``i_t = 1``).
        done: ``(B, T)`` bool, resets before the step.
        state: ``(B, H, V, K)`` state before the chunk (``exp(-m) S`` when stabilised).
        stabilizer: ``(B, H)`` ``m`` before the chunk for a stabilised state, else ``None``.
        scan: the resettable scan over blocks.
        block: steps per block.

    Returns:
        ``(readout (B, T, H, V), m (B, T, H) or None, final state, final m or None)``;
        with a stabiliser the readout is ``exp(-m_t) S_t q_t``.
    """
    batch, length, heads = query.shape[:3]
    stabilized = stabilizer is not None
    size = min(length, block)
    blocks = -(-length // size)
    pad = blocks * size - length
    if log_input is None:
        log_input = jnp.zeros_like(log_forget)

    def to_blocks(x: Array, value: float = 0) -> Array:  # (B, T, H, ...) -> (B, H, blocks, size, ...)
        x = jnp.pad(x, [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2), constant_values=value)
        return jnp.moveaxis(x.reshape(batch, blocks, size, *x.shape[2:]), 3, 1)

    # Padded steps neither decay nor add anything, so the final state is the last real one.
    q, k, v = to_blocks(query), to_blocks(key), to_blocks(value)
    log_f, log_i = to_blocks(log_forget), to_blocks(log_input, NEGLIGIBLE)
    done = jnp.pad(done, [(0, 0), (0, pad)]).reshape(batch, blocks, size)
    episode = jnp.cumsum(done, axis=-1)  # resets seen in the block up to each step
    step = jnp.arange(size)
    causal = (step[:, None] >= step[None, :]) & (episode[..., :, None] == episode[..., None, :])
    # span[t, s] = sum of log_f over steps s+1..t, summed in step order.
    later = jnp.where(step[:, None] > step[None, :], log_f[..., :, None], 0.0)
    span = jnp.cumsum(later, axis=-2)
    from_start = jnp.cumsum(log_f, axis=-1)  # log decay from the block start to each step
    log_weight = jnp.where(causal[:, None], span + log_i[..., None, :], NEGLIGIBLE)  # (B, H, n, t, s)

    # Per-block summaries (the state a block leaves behind when entered empty), scanned.
    last_weight = log_weight[..., -1, :]
    has_reset = episode[..., -1] > 0
    if stabilized:
        summary_m = jnp.max(last_weight, axis=-1)
        summary = jnp.einsum("bhns,bhnsv,bhnsk->bnhvk", jnp.exp(last_weight - summary_m[..., None]), v, k)
        elements = {"log_f": jnp.swapaxes(from_start[..., -1], 1, 2), "m": jnp.swapaxes(summary_m, 1, 2), "s": summary}
        initial = {"log_f": jnp.zeros_like(stabilizer), "m": stabilizer, "s": state}
        ends = scan(stabilized_combine, elements, has_reset, initial)
        start_m = jnp.swapaxes(jnp.concatenate([stabilizer[:, None], ends["m"][:, :-1]], axis=1), 1, 2)
        final_state, final_m = ends["s"][:, -1], ends["m"][:, -1]
        ends = ends["s"]
    else:
        summary = jnp.einsum("bhns,bhnsv,bhnsk->bnhvk", jnp.exp(last_weight), v, k)
        decay = jnp.swapaxes(jnp.exp(from_start[..., -1]), 1, 2)[..., None, None]
        ends = scan(linear_recurrence, (decay, summary), has_reset, (jnp.ones_like(state[..., :1, :1]), state))[1]
        final_state, final_m = ends[:, -1], None
    start = jnp.swapaxes(jnp.concatenate([state[:, None], ends[:, :-1]], axis=1), 1, 2)  # (B, H, n, V, K)

    # Readout: the block's own steps plus the decayed state at the block start (until a reset).
    start_weight = jnp.where((episode == 0)[:, None], from_start, NEGLIGIBLE)  # (B, H, n, t)
    if stabilized:
        start_weight = start_weight + start_m[..., None]
        m = jnp.maximum(jnp.max(log_weight, axis=-1), start_weight)
        log_weight, start_weight = log_weight - m[..., None], start_weight - m
    weights = jnp.exp(log_weight) * jnp.einsum("bhntk,bhnsk->bhnts", q, k)
    y = jnp.einsum("bhnts,bhnsv->bhntv", weights, v)
    y = y + jnp.exp(start_weight)[..., None] * jnp.einsum("bhnvk,bhntk->bhntv", start, q)

    def from_blocks(x: Array) -> Array:  # (B, H, blocks, size, ...) -> (B, T, H, ...)
        x = jnp.moveaxis(x, 1, 3)
        return x.reshape(batch, blocks * size, *x.shape[3:])[:, :length]

    return from_blocks(y), from_blocks(m) if stabilized else None, final_state, final_m
