"""Named architectures assembled from blocks: GTrXL, a GPT-2 style transformer, xLSTM.

Each function returns a :class:`Stack` torso ``(B, T, features) -> (B, T, features)``
that satisfies the sequence-model interface (chunking-invariant, resets at ``done``).
Put a projection to ``features`` in front (e.g. ``MLP(features=(features,))`` as the
observation extractor).
"""

import flax.linen as nn

from memorax.networks.attention.alibi import ALiBi
from memorax.networks.attention.learnable_positional_embedding import LearnablePositionalEmbedding
from memorax.networks.attention.positional_embedding import PositionalEmbedding
from memorax.networks.attention.self_attention import SelfAttention, SelfAttentionConfig
from memorax.networks.blocks.ffn import FFN
from memorax.networks.blocks.gated_residual import GatedResidual
from memorax.networks.blocks.glu import GLU
from memorax.networks.blocks.pre_norm import PreNorm
from memorax.networks.blocks.residual import Residual
from memorax.networks.blocks.segment_recurrence import SegmentRecurrence
from memorax.networks.blocks.stack import Stack
from memorax.networks.sequence_models.memoroid import Memoroid
from memorax.networks.sequence_models.mlstm import mLSTMCell, mLSTMConfig
from memorax.networks.sequence_models.rnn import RNN
from memorax.networks.sequence_models.slstm import sLSTMCell


def gtrxl(
    features: int = 64,
    num_heads: int = 4,
    num_layers: int = 2,
    context_length: int = 128,
    memory_length: int = 64,
    expansion_factor: int = 4,
    positional_embedding: PositionalEmbedding | None = None,
) -> Stack:
    """Gated Transformer-XL (Parisotto et al., 2020, arXiv:1910.06764).

    Each layer: ``GatedResidual(PreNorm(SegmentRecurrence(SelfAttention)))`` then
    ``GatedResidual(PreNorm(FFN))``, exactly the composition of the networks guide.
    Positions default to ``ALiBi(num_heads)``. Each step attends over
    ``min(context_length, memory_length + 1)`` steps of its episode.

    Example:
        >>> torso = gtrxl(features=64, num_heads=4, num_layers=2)
    """
    attention = GatedResidual(PreNorm(SegmentRecurrence(
        SelfAttention(config=SelfAttentionConfig(
            features=features,
            num_heads=num_heads,
            context_length=context_length,
            positional_embedding=positional_embedding or ALiBi(num_heads),
        )),
        memory_length=memory_length,
        features=features,
    )))
    ffn = GatedResidual(PreNorm(FFN(features=features, expansion_factor=expansion_factor)))
    return Stack(blocks=(attention, ffn) * num_layers)


def gpt2(
    features: int = 64,
    num_heads: int = 4,
    num_layers: int = 2,
    context_length: int = 128,
    max_episode_length: int = 1024,
    expansion_factor: int = 4,
) -> Stack:
    """A GPT-2 style pre-norm causal transformer (Radford et al., 2019).

    Layers ``Residual(PreNorm(SelfAttention))`` and ``Residual(PreNorm(FFN))`` (GELU)
    and a final ``LayerNorm``. Positions are learned per episode step
    (:class:`LearnablePositionalEmbedding` with ``max_episode_length`` entries, added to
    each attention layer's normalised input).

    Example:
        >>> torso = gpt2(features=64, num_heads=4, num_layers=2, context_length=64)
    """
    layers = []
    for _ in range(num_layers):
        config = SelfAttentionConfig(
            features=features,
            num_heads=num_heads,
            context_length=context_length,
            positional_embedding=LearnablePositionalEmbedding(max_episode_length, features),
        )
        layers.append(Residual(PreNorm(SelfAttention(config=config))))
        layers.append(Residual(PreNorm(FFN(features=features, expansion_factor=expansion_factor))))
    return Stack(blocks=(*layers, nn.LayerNorm()))


def xlstm(
    features: int = 64,
    pattern: str = "ms",
    num_heads: int = 4,
    mlstm_expansion: int = 2,
    slstm_expansion: float = 4 / 3,
) -> Stack:
    """An xLSTM stack (Beck et al., 2024, arXiv:2405.04517).

    ``pattern`` lists the blocks: ``"m"`` is a pre-norm residual mLSTM block (memoroid,
    inner width ``mlstm_expansion * features``); ``"s"`` is a pre-norm residual sLSTM
    block followed by a residual gated MLP (GeLU GLU, ``slstm_expansion``). A final
    ``LayerNorm`` closes the stack.

    Example:
        >>> torso = xlstm(features=64, pattern="mms")
    """
    if not pattern or set(pattern) - {"m", "s"}:
        raise ValueError(f"xlstm pattern must be a non-empty string of 'm' and 's', got {pattern!r}.")
    blocks: list[nn.Module] = []
    for kind in pattern:
        if kind == "m":
            config = mLSTMConfig(features=features, hidden_dim=mlstm_expansion * features, num_heads=num_heads)
            blocks.append(Residual(PreNorm(Memoroid(cell=mLSTMCell(config=config)))))
        else:
            blocks.append(Residual(PreNorm(RNN(cell=sLSTMCell(features=features, num_heads=num_heads)))))
            blocks.append(Residual(PreNorm(GLU(features=features, expansion_factor=slstm_expansion))))
    return Stack(blocks=(*blocks, nn.LayerNorm()))
