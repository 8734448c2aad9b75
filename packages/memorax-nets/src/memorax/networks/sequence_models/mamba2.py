"""Mamba-2 (state-space duality) selective SSM as a memoroid cell, conv window in the carry.

Reference: Dao & Gu, "Transformers are SSMs: Generalized Models and Efficient
Algorithms Through Structured State Space Duality" (ICML 2024).
"""

import dataclasses
import math

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.initializers import log_uniform
from memorax.networks.layers.causal_conv import CausalConv1d
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.chunkwise import chunkwise_linear_attention
from memorax.networks.sequence_models.scan import Scan
from memorax.networks.sequence_models.validation import check_divisible, check_interval, check_positive


@dataclasses.dataclass(frozen=True)
class Mamba2Config:
    """Mamba-2 sizes.

    Attributes:
        features: input-projection width and output size.
        expansion: inner width = ``expansion * features``.
        head_dim: channels per SSM head (inner width must be a multiple).
        state_dim: SSM state size N per head.
        conv_kernel_size: causal convolution width.
        dt_min, dt_max: initial step sizes are log-uniform in this range.
    """

    features: int
    expansion: int = 2
    head_dim: int = 16
    state_dim: int = 16
    conv_kernel_size: int = 4
    dt_min: float = 1e-3
    dt_max: float = 1e-1

    def __post_init__(self) -> None:
        check_positive("Mamba2Config", features=self.features, expansion=self.expansion,
                       head_dim=self.head_dim, state_dim=self.state_dim,
                       conv_kernel_size=self.conv_kernel_size)
        check_divisible("Mamba2Config", "expansion * features", self.inner_dim, "head_dim", self.head_dim)
        check_interval("Mamba2Config", "dt_min", self.dt_min, "dt_max", self.dt_max, 1e-8, math.inf)

    @property
    def inner_dim(self) -> int:
        return self.expansion * self.features

    @property
    def num_heads(self) -> int:
        return self.inner_dim // self.head_dim

    @property
    def conv_dim(self) -> int:
        return self.inner_dim + 2 * self.state_dim


class Mamba2Cell(MemoroidCell):
    """Per head: ``h_t = exp(dt_t A) h_{t-1} + dt_t x_t B_t^T``, ``y_t = h_t C_t + D x_t``, gated by ``silu(z)``.

    ``x, B, C`` pass through a causal convolution whose last ``k - 1`` inputs are kept in
    the carry and cleared at episode starts. Carry: ``{"ssm": (*batch, heads, head_dim,
    state_dim), "conv": (*batch, k - 1, inner + 2 state_dim)}`` float32.

    Example:
        >>> torso = Memoroid(cell=Mamba2Cell(config=Mamba2Config(features=64)))
    """

    config: Mamba2Config

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        config = self.config
        heads, head_dim, n, inner = config.num_heads, config.head_dim, config.state_dim, config.inner_dim
        batch, length = inputs.shape[:2]
        projected = nn.Dense(2 * inner + 2 * n + heads, name="in_proj")(inputs.astype(jnp.float32))
        z, xbc, dt = jnp.split(projected, [inner, inner + config.conv_dim], axis=-1)
        conv_state, xbc = CausalConv1d(config.conv_dim, config.conv_kernel_size, name="conv")(xbc, done, carry["conv"])
        x, b, c = jnp.split(nn.silu(xbc), [inner, inner + n], axis=-1)
        x = x.reshape(batch, length, heads, head_dim)
        a_log = self.param("a_log", lambda key, s: jnp.log(jnp.linspace(1.0, 16.0, s[0])), (heads,))
        dt_log = self.param("dt_log", log_uniform(config.dt_min, config.dt_max), (heads,))
        dt_bias = jnp.log(jnp.expm1(jnp.exp(dt_log)))  # softplus(dt_bias) = initial step size
        dt = nn.softplus(dt + dt_bias)
        per_head = (batch, length, heads, n)
        readout, _, ssm, _ = chunkwise_linear_attention(
            jnp.broadcast_to(c[:, :, None], per_head),
            jnp.broadcast_to(b[:, :, None], per_head),
            dt[..., None] * x,
            -dt * jnp.exp(a_log),
            None,
            done,
            carry["ssm"],
            None,
            scan,
        )
        skip = self.param("d", nn.initializers.ones_init(), (heads,))
        y = readout + skip[:, None] * x
        y = nn.RMSNorm(name="norm")(y.reshape(batch, length, inner) * nn.silu(z))
        out = nn.Dense(config.features, name="out_proj")(y)
        return {"ssm": ssm, "conv": conv_state}, out.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        config, batch = self.config, tuple(input_shape[:-1])
        return {
            "ssm": jnp.zeros((*batch, config.num_heads, config.head_dim, config.state_dim)),
            "conv": CausalConv1d(config.conv_dim, config.conv_kernel_size).initialize_state(batch),
        }
