"""Sliding-window attention computed block by block over its band of keys.

A query at chunk step ``i`` attends to the ``window`` keys ending at itself. Instead of
the full ``(T, P + T)`` logits of a chunk (``P`` cached keys in front of it), queries
are split into blocks of ``block_size`` steps and each block is scored only against
the ``block_size + window - 1`` keys its steps can see. Keys outside a query's window
get exactly zero weight either way, so the result is the same attention (up to float
summation order) at a fraction of the work: about ``(block_size + window - 1) / window``
of the useful logits instead of ``(P + T) / window``.

The batch is processed a few rows at a time (``lax.map``) so that a chunk's logits
(about ``_CHUNK_LOGITS``) stay in cache: within a chunk, queries and keys are moved to
a ``(rows, blocks, H, steps, D)`` layout (every product a batched matrix
product over contiguous ``(steps, D)`` tiles) and the key blocks are cut out there, so
neither the transposes nor the overlapping key blocks ever go through memory whole.
Only the outputs and log-normalisers are stored; the backward pass recomputes the
weights chunk by chunk (as flash attention does) instead of storing them.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding

_MASKED = -1e30  # logit of a key outside the window or the episode: exp underflows to 0
_CHUNK_LOGITS = 1 << 19  # logits per chunk (2 MiB of f32): a chunk's scores stay in cache


@dataclasses.dataclass(frozen=True)
class Band:
    """The static layout: ``blocks`` blocks of ``block`` queries; block ``b`` sees ``span`` keys from ``first + b * block``."""

    block: int
    blocks: int
    span: int
    first: int

    def query_blocks(self, x: Array) -> Array:
        """``(N, blocks * block, H, D) -> (N, blocks, H, block, D)``."""
        return jnp.swapaxes(x.reshape(x.shape[0], self.blocks, self.block, *x.shape[2:]), 2, 3)

    def from_query_blocks(self, x: Array) -> Array:
        """``(N, blocks, H, block, D) -> (N, blocks * block, H, D)``, the inverse of ``query_blocks``."""
        return jnp.swapaxes(x, 2, 3).reshape(x.shape[0], self.blocks * self.block, *x.shape[2:3], x.shape[-1])

    def key_blocks(self, x: Array) -> Array:
        """``(N, S, H, D) -> (N, blocks, H, span, D)``: the keys each block of queries sees."""
        starts = [self.first + b * self.block for b in range(self.blocks)]
        blocks = jnp.stack([jax.lax.slice_in_dim(x, s, s + self.span, axis=1) for s in starts], axis=1)
        return jnp.swapaxes(blocks, 2, 3)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def band_attention(band: Band, query: Array, keys: Array, values: Array, bias: Array | None, mask: Array) -> Array:
    """Softmax attention of blocks of queries over their bands of keys.

    Shapes: query ``(B, blocks * block, H, D)`` (already scaled by ``1 / sqrt(D)``),
    keys and values ``(B, S, H, D)``, bias ``(B, blocks, H, block, span)`` or ``None``,
    mask broadcastable to that (every row must keep at least one key). Returns
    ``(B, blocks * block, H, D)``. Reverse-mode only (``jax.custom_vjp``).
    """
    return _attention_forward(band, query, keys, values, bias, mask)[0]


def _chunked(fn: Callable[..., Any], row_logits: int, *args: Array | None) -> Any:
    """``fn(*args)``, a few rows of the leading axis ``N`` at a time.

    Arguments with that leading axis are split into chunks of ``rows`` (a divisor of
    ``N``, with at most ``_CHUNK_LOGITS`` logits); the others (``None``, broadcast
    masks) are passed whole. The outputs are concatenated back along ``N``.
    """
    batch = args[0].shape[0]
    fits = [c for c in range(1, batch + 1) if batch % c == 0 and c * row_logits <= _CHUNK_LOGITS]
    rows = max(fits, default=1)
    if rows == batch:
        return fn(*args)
    split = [a is not None and a.ndim > 0 and a.shape[0] == batch for a in args]
    chunks = tuple(a.reshape(batch // rows, rows, *a.shape[1:]) if s else None for a, s in zip(args, split))

    def one(chunk: tuple) -> Any:
        return fn(*(c if s else a for c, a, s in zip(chunk, args, split)))

    return jax.tree.map(lambda y: y.reshape(batch, *y.shape[2:]), jax.lax.map(one, chunks))


def _scores(query: Array, keys: Array, bias: Array | None, mask: Array) -> Array:
    """``(..., T, D) x (..., S, D) -> (..., T, S)`` masked logits."""
    scores = jnp.einsum("...td,...sd->...ts", query, keys)
    if bias is not None:
        scores = scores + bias
    return jnp.where(mask, scores, _MASKED)


def _forward_chunk(
    band: Band, query: Array, keys: Array, values: Array, bias: Array | None, mask: Array
) -> tuple[Array, Array]:
    """Outputs ``(N, blocks * block, H, D)`` and log-normalisers ``(N, blocks, H, block, 1)``."""
    scores = _scores(band.query_blocks(query), band.key_blocks(keys), bias, mask)
    peak = jnp.max(scores, axis=-1, keepdims=True)
    weights = jnp.exp(scores - peak)
    total = jnp.sum(weights, axis=-1, keepdims=True)
    out = jnp.einsum("...ts,...sd->...td", weights, band.key_blocks(values)) / total  # normalising (T, D) is cheaper
    return band.from_query_blocks(out), peak + jnp.log(total)


def _backward_chunk(
    band: Band,
    query: Array,
    keys: Array,
    values: Array,
    bias: Array | None,
    mask: Array,
    out: Array,
    log_total: Array,
    d_out: Array,
) -> tuple:
    """Cotangents of query, keys, values (their layouts) and bias (``None`` without one)."""
    q, k, v = band.query_blocks(query), band.key_blocks(keys), band.key_blocks(values)
    d_o = band.query_blocks(d_out)
    weights = jnp.exp(_scores(q, k, bias, mask) - log_total)
    # "...ds" then a swap of the small result: faster on CPU than contracting into "...sd".
    d_v = jnp.swapaxes(jnp.einsum("...ts,...td->...ds", weights, d_o), -1, -2)
    d_weights = jnp.einsum("...td,...sd->...ts", d_o, v)
    d_scores = weights * (d_weights - jnp.sum(d_o * band.query_blocks(out), axis=-1, keepdims=True))
    d_q = jnp.einsum("...ts,...sd->...td", d_scores, k)
    d_k = jnp.swapaxes(jnp.einsum("...ts,...td->...ds", d_scores, q), -1, -2)
    (d_keys,), (d_values,) = (jax.linear_transpose(band.key_blocks, keys)(d) for d in (d_k, d_v))
    return band.from_query_blocks(d_q), d_keys, d_values, d_scores if bias is not None else None


def _row_logits(band: Band, query: Array) -> int:
    """Logits per batch row."""
    return query.shape[2] * band.blocks * band.block * band.span


def _attention_forward(
    band: Band, query: Array, keys: Array, values: Array, bias: Array | None, mask: Array
) -> tuple[Array, tuple]:
    forward = functools.partial(_forward_chunk, band)
    out, log_total = _chunked(forward, _row_logits(band, query), query, keys, values, bias, mask)
    return out, (query, keys, values, bias, mask, out, log_total)


def _attention_backward(band: Band, residuals: tuple, d_out: Array) -> tuple:
    backward = functools.partial(_backward_chunk, band)
    grads = _chunked(backward, _row_logits(band, residuals[0]), *residuals, d_out)
    return (*grads, None)


band_attention.defvjp(_attention_forward, _attention_backward)


def query_block_size(length: int, window: int) -> int:
    """Queries per block: half a window between 32 and 64, or the whole chunk when shorter."""
    return min(length, max(32, min(64, window // 2)))


def banded_attention(
    query: Array,
    keys: Array,
    values: Array,
    query_episode: Array,
    key_episode: Array,
    query_positions: Array,
    key_positions: Array,
    window: int,
    embedding: PositionalEmbedding,
) -> Array:
    """Causal attention of each query over the ``window`` keys ending at its own step.

    Args:
        query: ``(B, T, H, D)`` queries of the chunk (un-rotated).
        keys, values: ``(B, P + T, H, D)``; the last ``T`` belong to the chunk's steps, the
            first ``P >= window - 1`` precede it (un-rotated keys).
        query_episode: ``(B, T)`` int episode ids of the queries (>= 0).
        key_episode: ``(B, P + T)`` int episode ids of the keys; -1 never matches.
        query_positions, key_positions: ``(B, T)`` and ``(B, P + T)`` positions for
            ``embedding.rotate`` and ``embedding.bias``.
        window: steps a query sees, itself included.
        embedding: the positional embedding's ``rotate`` and ``bias`` hooks.

    Returns:
        ``(B, T, H, D)``: each query attends to keys of its own episode among the
        ``window`` keys ending at its step.
    """
    batch, length, heads = query.shape[:3]
    block = query_block_size(length, window)
    blocks = -(-length // block)
    band = Band(block, blocks, span=block + window - 1, first=keys.shape[1] - length - window + 1)
    pad = blocks * block - length

    def pad_time(x: Array, value: int | float = 0) -> Array:
        widths = [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2)
        return jnp.pad(x, widths, constant_values=value)

    def query_steps(x: Array) -> Array:  # (B, blocks * block) -> (B, blocks, block)
        return x.reshape(batch, blocks, block)

    def key_steps(x: Array) -> Array:  # (B, S + pad) -> (B, blocks, span)
        return band.key_blocks(x[:, :, None, None])[:, :, 0, :, 0]

    query_positions = jnp.pad(query_positions, [(0, 0), (0, pad)], mode="edge")
    query_episode = jnp.pad(query_episode, [(0, 0), (0, pad)], mode="edge")
    key_positions = pad_time(key_positions)
    keys = embedding.rotate(pad_time(keys), key_positions)
    query = embedding.rotate(pad_time(query), query_positions) / jnp.sqrt(query.shape[-1]).astype(query.dtype)
    q_pos, k_pos = query_steps(query_positions), key_steps(key_positions)
    step, key = jnp.arange(block)[:, None], jnp.arange(band.span)[None, :]
    in_window = (key >= step) & (key < step + window)
    same_episode = query_steps(query_episode)[..., None] == key_steps(pad_time(key_episode, -1))[:, :, None, :]
    bias = embedding.bias(q_pos.reshape(batch * blocks, block), k_pos.reshape(batch * blocks, band.span))
    if bias is not None:  # (B * blocks, H, block, span) -> (B, blocks, H, block, span)
        bias = bias.reshape(batch, blocks, heads, block, band.span).astype(query.dtype)
    y = band_attention(band, query, keys, pad_time(values), bias, (same_episode & in_window)[:, :, None])
    return y[:, :length]
