"""Linear attention (ELU + 1 feature map) as an additive memoroid cell.

Reference: Katharopoulos et al., "Transformers are RNNs: Fast Autoregressive
Transformers with Linear Attention" (ICML 2020).
"""

import dataclasses

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.chunkwise import chunkwise_linear_attention
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_positive


@dataclasses.dataclass(frozen=True)
class LinearAttentionConfig:
    """Attributes: features (output size), num_heads, head_dim, eps (normaliser floor)."""

    features: int
    num_heads: int = 4
    head_dim: int = 16
    eps: float = 1e-6

    def __post_init__(self) -> None:
        check_positive("LinearAttentionConfig", features=self.features, num_heads=self.num_heads,
                       head_dim=self.head_dim, eps=self.eps)


def _feature_map(x: Array) -> Array:
    return nn.elu(x) + 1.0


class LinearAttentionCell(MemoroidCell):
    """``S_t = S_{t-1} + phi(k_t) v_t^T``, ``z_t = z_{t-1} + phi(k_t)``, ``y_t = phi(q_t) S_t / phi(q_t) z_t``.

    The monoid is addition, per head, evaluated block by block (:mod:`.chunkwise`). Carry: ``{"kv": (*batch, H, D, D), "k": (*batch, H, D)}`` float32.

    Example:
        >>> cell = LinearAttentionCell(config=LinearAttentionConfig(features=64, num_heads=4, head_dim=16))
        >>> torso = Memoroid(cell=cell)
    """

    config: LinearAttentionConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        config = self.config
        heads, dim = config.num_heads, config.head_dim
        qkv = nn.Dense(3 * heads * dim, name="qkv")(inputs.astype(jnp.float32))
        q, k, v = jnp.split(qkv.reshape(*inputs.shape[:2], heads, 3 * dim), 3, axis=-1)
        q, k = _feature_map(q), _feature_map(k)
        # State [kv^T; k^T]: the normaliser is the readout of an extra value row of ones.
        state = jnp.concatenate([jnp.swapaxes(carry["kv"], -1, -2), carry["k"][..., None, :]], axis=-2)
        readout, _, state, _ = chunkwise_linear_attention(
            q, k, jnp.concatenate([v, jnp.ones_like(v[..., :1])], axis=-1), jnp.zeros(q.shape[:3]), None,
            done, state, None, scan,
        )
        y = readout[..., :-1] / (readout[..., -1:] + config.eps)
        y = nn.Dense(config.features, name="out")(y.reshape(*inputs.shape[:2], -1))
        return {"kv": jnp.swapaxes(state[..., :-1, :], -1, -2), "k": state[..., -1, :]}, y.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        batch, heads, dim = tuple(input_shape[:-1]), self.config.num_heads, self.config.head_dim
        return {"kv": jnp.zeros((*batch, heads, dim, dim)), "k": jnp.zeros((*batch, heads, dim))}
