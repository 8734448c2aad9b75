"""xLSTM's scalar LSTM (sLSTM): exponential gating, per-head recurrence, conv in the carry.

Reference: Beck et al., "xLSTM: Extended Long Short-Term Memory" (NeurIPS 2024).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.layers.block_diagonal_dense import BlockDiagonalDense
from memorax.networks.layers.causal_conv import CausalConv1d
from memorax.networks.layers.multi_head_layer_norm import MultiHeadLayerNorm
from memorax.networks.sequence_models.validation import check_divisible, check_positive


class sLSTMCell(nn.RNNCellBase):  # noqa: N801 (the paper's name)
    """One sLSTM step with stabilised exponential input and forget gates.

    The input is projected to ``features``; the input and forget gates see it through a
    causal convolution whose window (last ``conv_kernel_size - 1`` projected inputs) is
    part of the carry, so stepping and whole-sequence scans agree. Recurrent weights are
    block-diagonal over ``num_heads`` heads. Use under :class:`RNN` (which resets the
    whole carry, window included, at episode starts).

    Carry: ``{"c", "n", "m", "h": (*batch, features), "conv": (*batch, k - 1, features)}`` float32.

    Under :class:`RNN` a whole sequence runs through :meth:`sequence`: the same equations
    and parameters, with everything that does not depend on the carry (input projection,
    convolution, the four input denses, the output norm) computed for all steps at once.

    Example:
        >>> torso = RNN(cell=sLSTMCell(features=64, num_heads=4))
    """

    features: int
    num_heads: int = 4
    conv_kernel_size: int = 4
    eps: float = 1e-6

    def __post_init__(self) -> None:
        check_positive("sLSTMCell", features=self.features, num_heads=self.num_heads,
                       conv_kernel_size=self.conv_kernel_size, eps=self.eps)
        check_divisible("sLSTMCell", "features", self.features, "num_heads", self.num_heads)
        super().__post_init__()

    @nn.compact
    def __call__(self, carry: Carry, inputs: Array) -> tuple[Carry, Array]:
        width = self.features
        x = nn.Dense(width, name="in_proj")(inputs.astype(jnp.float32))
        no_reset = jnp.zeros(x.shape[:1] + (1,), bool)  # RNN already reset the whole carry
        conv_state, x_conv = CausalConv1d(width, self.conv_kernel_size, name="conv")(
            x[:, None], no_reset, carry["conv"]
        )
        x_conv = nn.silu(x_conv[:, 0])

        def preactivation(name: str, source: Array) -> Array:
            recurrent = BlockDiagonalDense(width, self.num_heads, use_bias=False, name=f"{name}_recurrent")
            return nn.Dense(width, name=f"{name}_input")(source) + recurrent(carry["h"])

        input_gate, forget_gate = preactivation("i", x_conv), preactivation("f", x_conv)
        cell_input, output_gate = jnp.tanh(preactivation("z", x)), nn.sigmoid(preactivation("o", x))
        state = self._gating(carry, input_gate, forget_gate, cell_input, output_gate)
        h = state["h"]
        y = MultiHeadLayerNorm(name="norm")(h.reshape(*h.shape[:-1], self.num_heads, -1))
        return {**state, "conv": conv_state}, y.astype(inputs.dtype)

    @nn.nowrap
    def sequence(
        self, params: dict, inputs: Array, reset: Array, carry: Carry, fresh: Carry, unroll: int = 1
    ) -> tuple[Carry, Array]:
        """This cell stepped over ``inputs`` ``(B, T, F)``, restarting from ``fresh`` where ``reset`` ``(B, T)``.

        Only the block-diagonal recurrent products and the gating run inside the loop,
        as one ``(B, features) @ (features, 4 * features)`` product per step (the four
        gates' head blocks laid out block-diagonally). Returns ``(last carry, (B, T, features))``.
        """
        x = _dense(params["in_proj"], inputs.astype(jnp.float32))
        conv = CausalConv1d(self.features, self.conv_kernel_size)
        conv_state, x_conv = conv.apply({"params": params["conv"]}, x, reset, carry["conv"])
        x_conv = nn.silu(x_conv)
        sources = {"i": x_conv, "f": x_conv, "z": x, "o": x}
        time_major = [jnp.swapaxes(_dense(params[f"{gate}_input"], source), 0, 1) for gate, source in sources.items()]
        recurrent = jnp.concatenate(
            [jax.scipy.linalg.block_diag(*params[f"{gate}_recurrent"]["kernel"]) for gate in sources], axis=1
        )
        state = {name: carry[name] for name in ("c", "n", "m", "h")}
        start = {name: fresh[name] for name in state}

        def step(state: Carry, xs: tuple) -> tuple[Carry, Array]:
            *preactivations, reset_t = xs
            state = jax.tree.map(lambda new, old: jnp.where(reset_t[:, None], new, old), start, state)
            from_h = jnp.split(state["h"] @ recurrent, 4, axis=-1)
            input_gate, forget_gate, z, o = (p + r for p, r in zip(preactivations, from_h))
            state = self._gating(state, input_gate, forget_gate, jnp.tanh(z), nn.sigmoid(o))
            return state, state["h"]

        state, h = jax.lax.scan(step, state, (*time_major, jnp.swapaxes(reset, 0, 1)), unroll=unroll)
        h = jnp.swapaxes(h, 0, 1)
        y = MultiHeadLayerNorm().apply({"params": params["norm"]}, h.reshape(*h.shape[:-1], self.num_heads, -1))
        return {**state, "conv": conv_state}, y.astype(inputs.dtype)

    @nn.nowrap
    def _gating(self, state: Carry, input_gate: Array, forget_gate: Array, cell_input: Array, output_gate: Array) -> Carry:
        """The stabilised exponential gating: the new ``c, n, m, h`` from the gate preactivations."""
        log_f = jax.nn.log_sigmoid(forget_gate)
        m = jnp.maximum(log_f + state["m"], input_gate)
        i, f = jnp.exp(input_gate - m), jnp.exp(log_f + state["m"] - m)
        c = f * state["c"] + i * cell_input
        n = f * state["n"] + i
        return {"c": c, "n": n, "m": m, "h": output_gate * c / jnp.maximum(n, self.eps)}

    @nn.nowrap
    def initialize_carry(self, rng: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        batch = tuple(input_shape[:-1])
        zeros = jnp.zeros((*batch, self.features))
        return {"c": zeros, "n": zeros, "m": zeros, "h": zeros,
                "conv": CausalConv1d(self.features, self.conv_kernel_size).initialize_state(batch)}

    @property
    def num_feature_axes(self) -> int:
        return 1


def _dense(params: dict, x: Array) -> Array:
    """``nn.Dense`` with parameters ``params`` applied to ``x`` ``(..., in)``."""
    return x @ params["kernel"] + params["bias"]
