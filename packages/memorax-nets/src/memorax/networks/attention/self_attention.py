"""Causal multi-head self-attention over a sliding window, with a rolling KV cache.

Vaswani et al., 2017, "Attention Is All You Need"; the windowed cache follows
Transformer-XL (Dai et al., 2019, arXiv:1901.02860).
"""

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.networks.attention.alibi import ALiBi
from memorax.networks.attention.banded import banded_attention
from memorax.networks.attention.positional_embedding import PositionalEmbedding
from memorax.networks.attention.rolling_window import episode_positions, roll_in, window_positions
from memorax.networks.attention.rope import RoPE
from memorax.networks.layers.fused_dense import DenseWeights, dense_together
from memorax.networks.sequence_models.sequence_model import SequenceModel


@dataclasses.dataclass(frozen=True)
class SelfAttentionConfig:
    """Hyper-parameters of :class:`SelfAttention`.

    Attributes:
        features: model width ``F`` (inputs and outputs).
        num_heads: attention heads; ``features`` must be divisible by it.
        context_length: window ``C``: each step attends to itself and the previous
            ``C - 1`` steps of its episode, whatever the chunking.
        positional_embedding: ``None`` (none), :class:`RoPE`, :class:`ALiBi` or
            :class:`LearnablePositionalEmbedding` (episode-relative positions).
        use_bias: biases in the query/key/value/output projections.
    """

    features: int
    num_heads: int
    context_length: int
    positional_embedding: PositionalEmbedding | None = None
    use_bias: bool = True

    def __post_init__(self) -> None:
        if self.features < 1 or self.num_heads < 1 or self.features % self.num_heads:
            raise ValueError(
                f"SelfAttentionConfig.features ({self.features}) must be a positive "
                f"multiple of num_heads ({self.num_heads})."
            )
        if self.context_length < 1:
            raise ValueError(
                f"SelfAttentionConfig.context_length must be >= 1, got {self.context_length}."
            )
        embedding = self.positional_embedding
        if isinstance(embedding, ALiBi) and embedding.num_heads != self.num_heads:
            raise ValueError(
                f"SelfAttentionConfig: ALiBi(num_heads={embedding.num_heads}) must match "
                f"num_heads={self.num_heads}."
            )
        if isinstance(embedding, RoPE) and self.head_dim % 2:
            raise ValueError(
                f"SelfAttentionConfig: RoPE needs an even head dimension; features / "
                f"num_heads = {self.head_dim}."
            )

    @property
    def head_dim(self) -> int:
        return self.features // self.num_heads


@pytree_dataclass
class AttentionCarry:
    """KV cache of the previous ``C - 1`` steps (keys un-rotated) and the position counter.

    Attributes:
        key, value: ``(B, C - 1, H, D)``, oldest first.
        valid: ``(B, C - 1)`` bool, entries of the current episode.
        position: ``(B,)`` int32, episode-relative position of the last step (-1: none).
    """

    key: Array
    value: Array
    valid: Array
    position: Array


class SelfAttention(SequenceModel):
    """Causal multi-head attention whose context is the same in every chunking.

    ``carry, y = attention(inputs (B, T, F), done (B, T), initial_carry)`` with
    ``y`` ``(B, T, F)`` and any ``T`` (1 when acting, longer than the window when
    training). A step attends to itself and the previous ``context_length - 1`` steps
    of its own episode: the carry caches their keys and values, so the first step of a
    chunk sees the same context as it would step by step, and nothing is attended
    across a ``done``.

    With ``memory`` (``(B, M, F)`` hidden states of the ``M`` steps before the chunk,
    from :class:`SegmentRecurrence`) keys and values of the past are computed from the
    memory instead of the cache (Transformer-XL), and the window is
    ``min(context_length, M + 1)`` so that it is covered in every chunking.

    Example:
        >>> attention = SelfAttention(config=SelfAttentionConfig(
        ...     features=64, num_heads=4, context_length=128, positional_embedding=RoPE()))
        >>> carry, y = attention.apply(params, x, done)
    """

    config: SelfAttentionConfig

    @nn.compact
    def __call__(
        self,
        inputs: Array,
        done: Array,
        initial_carry: AttentionCarry | None = None,
        memory: Array | None = None,
        memory_valid: Array | None = None,
        **kwargs: Any,
    ) -> tuple[AttentionCarry, Array]:
        config = self.config
        carry = initial_carry
        if carry is None:
            carry = self.initialize_carry(jax.random.key(0), inputs.shape[:1] + inputs.shape[2:])
        embedding = (config.positional_embedding or PositionalEmbedding()).clone(
            parent=self, name="positional_embedding"
        )
        query_proj, key_proj, value_proj = (
            DenseWeights(inputs.shape[-1], (config.num_heads, config.head_dim), config.use_bias, name=name)
            for name in ("query", "key", "value")
        )
        positions = episode_positions(carry.position, done)
        x = embedding.embed(inputs, positions)
        query, key, value = dense_together((query_proj, key_proj, value_proj), x)

        if memory is None:
            past_key, past_value, past_valid = carry.key, carry.value, carry.valid
            window = config.context_length
        else:
            if memory_valid is None:
                raise ValueError("SelfAttention: pass memory_valid (B, M) along with memory.")
            m = embedding.embed(memory, window_positions(carry.position, memory.shape[1]))
            (past_key, past_value), past_valid = dense_together((key_proj, value_proj), m), memory_valid
            window = min(config.context_length, memory.shape[1] + 1)

        key_positions = jnp.concatenate(
            [window_positions(carry.position, past_key.shape[1]), positions], axis=1
        )
        episode = jnp.cumsum(done, axis=1)
        key_episode = jnp.concatenate([jnp.where(past_valid, 0, -1), episode], axis=1)
        y = banded_attention(
            query,
            jnp.concatenate([past_key.astype(key.dtype), key], axis=1),
            jnp.concatenate([past_value.astype(value.dtype), value], axis=1),
            episode,
            key_episode,
            positions,
            key_positions,
            window,
            embedding,
        )
        out_proj = nn.DenseGeneral(config.features, axis=(-2, -1), use_bias=config.use_bias, name="out")
        y = out_proj(y.reshape(-1, *y.shape[2:])).reshape(*y.shape[:2], -1)  # 2-D matmuls in the gradient

        # The cache keeps its own dtype so that the carry's structure never changes.
        new_entries = (key.astype(carry.key.dtype), value.astype(carry.value.dtype))
        (cache_key, cache_value), valid = roll_in(
            (carry.key, carry.value), carry.valid, new_entries, done, config.context_length - 1
        )
        return AttentionCarry(cache_key, cache_value, valid, positions[:, -1]), y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> AttentionCarry:
        """An empty cache for a batch ``input_shape[:-1]``."""
        batch = tuple(input_shape[:-1])
        cache = (*batch, self.config.context_length - 1, self.config.num_heads, self.config.head_dim)
        return AttentionCarry(
            key=jnp.zeros(cache),
            value=jnp.zeros(cache),
            valid=jnp.zeros((*batch, self.config.context_length - 1), bool),
            position=jnp.full(batch, -1, jnp.int32),
        )
