"""memorax.networks: sequence models, blocks, encoders, heads and the Network pipeline."""

from memorax.networks import heads as heads
from memorax.networks.attention.alibi import ALiBi as ALiBi
from memorax.networks.attention.learnable_positional_embedding import (
    LearnablePositionalEmbedding as LearnablePositionalEmbedding,
)
from memorax.networks.attention.positional_embedding import (
    PositionalEmbedding as PositionalEmbedding,
)
from memorax.networks.attention.rope import RoPE as RoPE
from memorax.networks.attention.self_attention import AttentionCarry as AttentionCarry
from memorax.networks.attention.self_attention import SelfAttention as SelfAttention
from memorax.networks.attention.self_attention import SelfAttentionConfig as SelfAttentionConfig
from memorax.networks.blocks.ffn import FFN as FFN
from memorax.networks.blocks.gated_residual import GatedResidual as GatedResidual
from memorax.networks.blocks.glu import GLU as GLU
from memorax.networks.blocks.moe import MoE as MoE
from memorax.networks.blocks.post_norm import PostNorm as PostNorm
from memorax.networks.blocks.pre_norm import PreNorm as PreNorm
from memorax.networks.blocks.projection import Projection as Projection
from memorax.networks.blocks.residual import Residual as Residual
from memorax.networks.blocks.segment_recurrence import SegmentCarry as SegmentCarry
from memorax.networks.blocks.segment_recurrence import SegmentRecurrence as SegmentRecurrence
from memorax.networks.blocks.stack import Stack as Stack
from memorax.networks.blocks.top_k_router import TopKRouter as TopKRouter
from memorax.networks.encoders.cnn import CNN as CNN
from memorax.networks.encoders.mlp import MLP as MLP
from memorax.networks.encoders.patch_embedding import PatchEmbedding as PatchEmbedding
from memorax.networks.encoders.vit import ViT as ViT
from memorax.networks.feature_extractor import FeatureExtractor as FeatureExtractor
from memorax.networks.network import Network as Network
from memorax.networks.recipes import gpt2 as gpt2
from memorax.networks.recipes import gtrxl as gtrxl
from memorax.networks.recipes import xlstm as xlstm
from memorax.networks.layers.block_diagonal_dense import BlockDiagonalDense as BlockDiagonalDense
from memorax.networks.layers.causal_conv import CausalConv1d as CausalConv1d
from memorax.networks.layers.multi_head_layer_norm import MultiHeadLayerNorm as MultiHeadLayerNorm
from memorax.networks.sequence_models.ffm import FFMCell as FFMCell
from memorax.networks.sequence_models.ffm import FFMConfig as FFMConfig
from memorax.networks.sequence_models.linear_attention import LinearAttentionCell as LinearAttentionCell
from memorax.networks.sequence_models.linear_attention import LinearAttentionConfig as LinearAttentionConfig
from memorax.networks.sequence_models.lru import LRUCell as LRUCell
from memorax.networks.sequence_models.lru import LRUConfig as LRUConfig
from memorax.networks.sequence_models.mamba2 import Mamba2Cell as Mamba2Cell
from memorax.networks.sequence_models.mamba2 import Mamba2Config as Mamba2Config
from memorax.networks.sequence_models.memoroid import Memoroid as Memoroid
from memorax.networks.sequence_models.memoroid import MemoroidCell as MemoroidCell
from memorax.networks.sequence_models.min_gru import MinGRUCell as MinGRUCell
from memorax.networks.sequence_models.min_gru import MinGRUConfig as MinGRUConfig
from memorax.networks.sequence_models.mlstm import mLSTMCell as mLSTMCell
from memorax.networks.sequence_models.mlstm import mLSTMConfig as mLSTMConfig
from memorax.networks.sequence_models.rl2 import RL2Wrapper as RL2Wrapper
from memorax.networks.sequence_models.rnn import RNN as RNN
from memorax.networks.sequence_models.rtrl import RTRL as RTRL
from memorax.networks.sequence_models.rtu import RTUCell as RTUCell
from memorax.networks.sequence_models.s5 import S5Cell as S5Cell
from memorax.networks.sequence_models.s5 import S5Config as S5Config
from memorax.networks.sequence_models.sequence_model import SequenceModel as SequenceModel
from memorax.networks.sequence_models.sequence_model import (
    SequenceModelWrapper as SequenceModelWrapper,
)
from memorax.networks.sequence_models.shm import SHMCell as SHMCell
from memorax.networks.sequence_models.slstm import sLSTMCell as sLSTMCell
