"""xLSTM's matrix LSTM (mLSTM) as a memoroid cell with stabilised exponential gating.

Reference: Beck et al., "xLSTM: Extended Long Short-Term Memory" (NeurIPS 2024).

The stabilised state ``(C, n, m)`` stands for ``exp(m) * C``. Combining ``a`` then ``b``
(``F`` the summed log forget gates of ``b``'s span): ``m = max(F_b + m_a, m_b)``,
``C = exp(F_b + m_a - m) C_a + exp(m_b - m) C_b`` (same for ``n``), an associative
operator; the chunk is evaluated block by block (:mod:`.chunkwise`) and the scan runs
over blocks, so the associative and sequential scans agree.
"""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.layers.causal_conv import CausalConv1d
from memorax.networks.layers.multi_head_layer_norm import MultiHeadLayerNorm
from memorax.networks.sequence_models.chunkwise import chunkwise_linear_attention
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_divisible, check_positive

EMPTY_STABILIZER = -1e30  # m of the empty state: exp(m) = 0, the monoid identity


@dataclasses.dataclass(frozen=True)
class mLSTMConfig:  # noqa: N801 (the paper's name)
    """mLSTM sizes.

    Attributes:
        features: output size.
        hidden_dim: inner width (split into heads).
        num_heads: heads; ``hidden_dim`` must be a multiple.
        conv_kernel_size: causal convolution width in front of queries and keys.
    """

    features: int
    hidden_dim: int = 64
    num_heads: int = 4
    conv_kernel_size: int = 4

    def __post_init__(self) -> None:
        check_positive("mLSTMConfig", features=self.features, hidden_dim=self.hidden_dim,
                       num_heads=self.num_heads, conv_kernel_size=self.conv_kernel_size)
        check_divisible("mLSTMConfig", "hidden_dim", self.hidden_dim, "num_heads", self.num_heads)


class mLSTMCell(MemoroidCell):  # noqa: N801 (the paper's name)
    """Per head: ``C_t = f_t C_{t-1} + i_t v_t k_t^T``, ``h_t = C_t q_t / max(|n_t q_t|, 1)``.

    Carry: ``{"c": (*batch, H, D, D), "n": (*batch, H, D), "m": (*batch, H), "conv":
    (*batch, k - 1, hidden_dim)}`` float32; the convolution window is cleared at episode starts.

    Example:
        >>> cell = mLSTMCell(config=mLSTMConfig(features=64, hidden_dim=64, num_heads=4))
        >>> torso = Memoroid(cell=cell)
    """

    config: mLSTMConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        config = self.config
        heads, width = config.num_heads, config.hidden_dim
        batch, length = inputs.shape[:2]
        head_dim = width // heads
        x, gate = jnp.split(nn.Dense(2 * width, name="up_proj")(inputs.astype(jnp.float32)), 2, axis=-1)
        conv_state, x_conv = CausalConv1d(width, config.conv_kernel_size, name="conv")(x, done, carry["conv"])
        x_conv = nn.silu(x_conv)

        def split_heads(y: Array) -> Array:
            return y.reshape(batch, length, heads, head_dim)

        q = split_heads(nn.Dense(width, name="query")(x_conv))
        k = split_heads(nn.Dense(width, name="key")(x_conv)) / jnp.sqrt(head_dim)
        v = split_heads(nn.Dense(width, name="value")(x))
        gates = nn.Dense(2 * heads, name="gates", bias_init=nn.initializers.constant(3.0))(
            jnp.concatenate([x_conv, x], axis=-1)
        )
        input_gate, forget_gate = jnp.split(gates, 2, axis=-1)
        # The normaliser n rides along as an extra value row of ones: S = [C; n^T].
        ones = jnp.ones((batch, length, heads, 1))
        state = jnp.concatenate([carry["c"], carry["n"][..., None, :]], axis=-2)
        readout, m, state, last_m = chunkwise_linear_attention(
            q, k, jnp.concatenate([v, ones], axis=-1), jax.nn.log_sigmoid(forget_gate), input_gate,
            done, state, carry["m"], scan,
        )
        numerator, normaliser = readout[..., :-1], readout[..., -1]
        denominator = jnp.maximum(jnp.abs(normaliser), jnp.exp(-m))
        h = MultiHeadLayerNorm(name="norm")(numerator / denominator[..., None])
        h = (h + self.param("skip", nn.initializers.ones_init(), (width,)) * x_conv) * nn.silu(gate)
        out = nn.Dense(config.features, name="down_proj")(h)
        new_carry = {"c": state[..., :-1, :], "n": state[..., -1, :], "m": last_m, "conv": conv_state}
        return new_carry, out.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        config, batch = self.config, tuple(input_shape[:-1])
        heads, head_dim = config.num_heads, config.hidden_dim // config.num_heads
        return {
            "c": jnp.zeros((*batch, heads, head_dim, head_dim)),
            "n": jnp.zeros((*batch, heads, head_dim)),
            "m": jnp.full((*batch, heads), EMPTY_STABILIZER),
            "conv": CausalConv1d(config.hidden_dim, config.conv_kernel_size).initialize_state(batch),
        }
