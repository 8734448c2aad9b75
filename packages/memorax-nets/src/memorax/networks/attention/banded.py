"""Sliding-window attention computed block by block over its band of keys.

A query at chunk step ``i`` attends to the ``window`` keys ending at itself. Instead of
the full ``(T, P + T)`` logits of a chunk (``P`` cached keys in front of it), queries
are split into blocks of ``block_size`` steps and each block is scored only against
the ``block_size + window - 1`` keys its steps can see. Keys outside a query's window
get exactly zero weight either way, so the result is the same attention (up to float
summation order) at a fraction of the work: about ``(block_size + window - 1) / window``
of the useful logits instead of ``(P + T) / window``.
"""

import jax
import jax.numpy as jnp

from memorax.core.typing import Array
from memorax.networks.attention.positional_embedding import PositionalEmbedding

_MASKED = -1e30  # logit of a key outside the window or the episode: exp underflows to 0


def _scores(query: Array, keys: Array, bias: Array | None, mask: Array) -> Array:
    scores = jnp.einsum("nthd,nshd->nhts", query, keys) / jnp.sqrt(query.shape[-1]).astype(query.dtype)
    if bias is not None:
        scores = scores + bias
    return jnp.where(mask[:, None], scores, _MASKED)


@jax.custom_vjp
def masked_attention(query: Array, keys: Array, values: Array, bias: Array | None, mask: Array) -> Array:
    """Softmax attention with a boolean mask; the backward pass recomputes the weights.

    Shapes: query ``(N, T, H, D)``, keys and values ``(N, S, H, D)``, bias ``(N, H, T, S)``
    or ``None``, mask ``(N, T, S)`` (every row must keep at least one key). Returns
    ``(N, T, H, D)``. Only the output and the log-normaliser are kept for the backward
    pass (as in FlashAttention, Dao et al., 2022), not the ``(N, H, T, S)`` weights,
    which on CPU makes attention memory-bound. Reverse-mode only (``jax.custom_vjp``).
    """
    return _attention_forward(query, keys, values, bias, mask)[0]


def _attention_forward(
    query: Array, keys: Array, values: Array, bias: Array | None, mask: Array
) -> tuple[Array, tuple]:
    scores = _scores(query, keys, bias, mask)
    top = jnp.max(scores, axis=-1, keepdims=True)
    weights = jnp.exp(scores - top)
    total = jnp.sum(weights, axis=-1, keepdims=True)
    out = jnp.einsum("nhts,nshd->nthd", weights / total, values)
    return out, (query, keys, values, bias, mask, out, top + jnp.log(total))


def _attention_backward(residuals: tuple, d_out: Array) -> tuple:
    query, keys, values, bias, mask, out, log_normaliser = residuals
    weights = jnp.exp(_scores(query, keys, bias, mask) - log_normaliser)
    d_values = jnp.einsum("nhts,nthd->nshd", weights, d_out)
    d_weights = jnp.einsum("nthd,nshd->nhts", d_out, values)
    row = jnp.einsum("nthd,nthd->nht", d_out, out)[..., None]
    d_scores = weights * (d_weights - row)
    scale = 1 / jnp.sqrt(query.shape[-1]).astype(query.dtype)
    d_query = jnp.einsum("nhts,nshd->nthd", d_scores, keys) * scale
    d_keys = jnp.einsum("nhts,nthd->nshd", d_scores, query) * scale
    return d_query, d_keys, d_values, None if bias is None else d_scores, None


masked_attention.defvjp(_attention_forward, _attention_backward)


def query_block_size(length: int, window: int) -> int:
    """Queries per block: a quarter window (at least 32), or the whole chunk when shorter."""
    return min(length, max(32, window // 4))


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
    batch, length = query.shape[:2]
    num_past = keys.shape[1] - length
    block = query_block_size(length, window)
    blocks = -(-length // block)
    span = block + window - 1  # keys one block of queries can see
    first = num_past - window + 1  # the first key the first query can see
    pad = blocks * block - length

    def pad_time(x: Array, value: int | float = 0) -> Array:
        widths = [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2)
        return jnp.pad(x, widths, constant_values=value)

    def key_blocks(x: Array) -> Array:  # (B, S + pad, ...) -> (B * blocks, span, ...)
        x = jnp.stack([x[:, first + b * block: first + b * block + span] for b in range(blocks)], axis=1)
        return x.reshape(batch * blocks, span, *x.shape[3:])

    def query_blocks(x: Array) -> Array:  # (B, T + pad, ...) -> (B * blocks, block, ...)
        return x.reshape(batch * blocks, block, *x.shape[2:])

    query_positions = jnp.pad(query_positions, [(0, 0), (0, pad)], mode="edge")
    query_episode = jnp.pad(query_episode, [(0, 0), (0, pad)], mode="edge")
    key_positions = pad_time(key_positions)
    keys = embedding.rotate(pad_time(keys), key_positions)
    q_pos, k_pos = query_blocks(query_positions), key_blocks(key_positions)
    step, key = jnp.arange(block)[:, None], jnp.arange(span)[None, :]
    in_window = (key >= step) & (key < step + window)
    same_episode = query_blocks(query_episode)[:, :, None] == key_blocks(pad_time(key_episode, -1))[:, None, :]
    bias = embedding.bias(q_pos, k_pos)
    y = masked_attention(
        query_blocks(embedding.rotate(pad_time(query), query_positions)),
        key_blocks(keys),
        key_blocks(pad_time(values)),
        None if bias is None else bias.astype(query.dtype),
        same_episode & in_window,
    )
    return y.reshape(batch, blocks * block, *y.shape[2:])[:, :length]
