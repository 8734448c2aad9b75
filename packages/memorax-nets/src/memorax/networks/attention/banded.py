"""Sliding-window attention computed block by block over its band of keys.

A query at chunk step ``i`` attends to the ``window`` keys ending at itself. Instead of
the full ``(T, P + T)`` logits of a chunk (``P`` cached keys in front of it), queries
are split into blocks of ``block_size`` steps and each block is scored only against
the ``block_size + window - 1`` keys its steps can see. Keys outside a query's window
get exactly zero weight either way, so the result is the same attention (up to float
summation order) at a fraction of the work: about ``(block_size + window - 1) / window``
of the useful logits instead of ``(P + T) / window``.

Blocks are laid out ``(B, H, blocks, steps, D)`` so that every product is a batched
matrix product over contiguous ``(steps, D)`` tiles, with no transposes of the logits.
"""

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding

_MASKED = -1e30  # logit of a key outside the window or the episode: exp underflows to 0
_CHUNK_LOGITS = 1 << 19  # logits per chunk (2 MiB of f32): a chunk's scores stay in cache


@jax.custom_vjp
def masked_attention(query: Array, keys: Array, values: Array, bias: Array | None, mask: Array) -> Array:
    """Softmax attention with a boolean mask over the last two axes.

    Shapes: query ``(N, ..., T, D)`` (already scaled by ``1 / sqrt(D)``), keys and values
    ``(N, ..., S, D)``, bias ``(N, ..., T, S)`` or ``None``, mask broadcastable to
    ``(N, ..., T, S)`` (every row must keep at least one key). Returns ``(N, ..., T, D)``.

    The leading axis is processed a few rows at a time (``lax.map``) so that the logits
    of a chunk (about ``_CHUNK_LOGITS``) stay in cache instead of making several trips
    through memory for the whole batch. Only the outputs and the log-normaliser of each
    query are saved; the backward pass recomputes the weights chunk by chunk (as flash
    attention does) instead of storing them. Reverse-mode only (``jax.custom_vjp``).
    """
    return _attention_forward(query, keys, values, bias, mask)[0]


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
    scores = jnp.einsum("...td,...sd->...ts", query, keys)
    if bias is not None:
        scores = scores + bias
    return jnp.where(mask, scores, _MASKED)


def _forward_chunk(
    query: Array, keys: Array, values: Array, bias: Array | None, mask: Array
) -> tuple[Array, Array]:
    scores = _scores(query, keys, bias, mask)
    peak = jnp.max(scores, axis=-1, keepdims=True)
    weights = jnp.exp(scores - peak)
    total = jnp.sum(weights, axis=-1, keepdims=True)
    out = jnp.einsum("...ts,...sd->...td", weights, values) / total  # normalising (T, D) is cheaper
    return out, peak + jnp.log(total)


def _backward_chunk(
    query: Array,
    keys: Array,
    values: Array,
    bias: Array | None,
    mask: Array,
    out: Array,
    log_total: Array,
    d_out: Array,
) -> tuple:
    weights = jnp.exp(_scores(query, keys, bias, mask) - log_total)
    # "...ds" then a swap of the small result: faster on CPU than contracting into "...sd".
    d_values = jnp.swapaxes(jnp.einsum("...ts,...td->...ds", weights, d_out), -1, -2)
    d_weights = jnp.einsum("...td,...sd->...ts", d_out, values)
    d_scores = weights * (d_weights - jnp.sum(d_out * out, axis=-1, keepdims=True))
    d_query = jnp.einsum("...ts,...sd->...td", d_scores, keys)
    d_keys = jnp.swapaxes(jnp.einsum("...ts,...td->...ds", d_scores, query), -1, -2)
    return d_query, d_keys, d_values, d_scores if bias is not None else None


def _row_logits(query: Array, keys: Array) -> int:
    """Logits per index of the leading axis."""
    return math.prod(query.shape[1:-1]) * keys.shape[-2]


def _attention_forward(
    query: Array, keys: Array, values: Array, bias: Array | None, mask: Array
) -> tuple[Array, tuple]:
    out, log_total = _chunked(_forward_chunk, _row_logits(query, keys), query, keys, values, bias, mask)
    return out, (query, keys, values, bias, mask, out, log_total)


def _attention_backward(residuals: tuple, d_out: Array) -> tuple:
    query, keys = residuals[:2]
    grads = _chunked(_backward_chunk, _row_logits(query, keys), *residuals, d_out)
    return (*grads, None)


masked_attention.defvjp(_attention_forward, _attention_backward)


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
    num_past = keys.shape[1] - length
    block = query_block_size(length, window)
    blocks = -(-length // block)
    span = block + window - 1  # keys one block of queries can see
    first = num_past - window + 1  # the first key the first query can see
    pad = blocks * block - length

    def pad_time(x: Array, value: int | float = 0) -> Array:
        widths = [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2)
        return jnp.pad(x, widths, constant_values=value)

    def key_blocks(x: Array, axis: int = 1) -> Array:  # time axis S + pad -> (blocks, span)
        starts = [first + b * block for b in range(blocks)]
        return jnp.stack([jax.lax.slice_in_dim(x, s, s + span, axis=axis) for s in starts], axis=axis)

    def query_blocks(x: Array, axis: int = 1) -> Array:  # time axis T + pad -> (blocks, block)
        return x.reshape(*x.shape[:axis], blocks, block, *x.shape[axis + 1:])

    def head_major(x: Array) -> Array:  # (B, S, H, D) -> (B, H, S, D)
        return jnp.swapaxes(x, 1, 2)

    query_positions = jnp.pad(query_positions, [(0, 0), (0, pad)], mode="edge")
    query_episode = jnp.pad(query_episode, [(0, 0), (0, pad)], mode="edge")
    key_positions = pad_time(key_positions)
    keys = embedding.rotate(pad_time(keys), key_positions)
    query = embedding.rotate(pad_time(query), query_positions) / jnp.sqrt(query.shape[-1]).astype(query.dtype)
    q_pos, k_pos = query_blocks(query_positions), key_blocks(key_positions)
    step, key = jnp.arange(block)[:, None], jnp.arange(span)[None, :]
    in_window = (key >= step) & (key < step + window)
    same_episode = query_blocks(query_episode)[..., None] == key_blocks(pad_time(key_episode, -1))[:, :, None, :]
    bias = embedding.bias(q_pos.reshape(batch * blocks, block), k_pos.reshape(batch * blocks, span))
    if bias is not None:  # (B * blocks, H, block, span) -> (B, H, blocks, block, span)
        bias = jnp.swapaxes(bias.reshape(batch, blocks, heads, block, span), 1, 2).astype(query.dtype)
    y = masked_attention(
        query_blocks(head_major(query), axis=2),
        key_blocks(head_major(keys), axis=2),
        key_blocks(head_major(pad_time(values)), axis=2),
        bias,
        (same_episode & in_window)[:, None],
    )
    return head_major(y.reshape(batch, heads, blocks * block, -1))[:, :length]
