"""minGRU as a memoroid cell: a GRU whose gates depend only on the current input.

References: Feng et al., "Were RNNs All We Needed?" (2024); the gate's chrono
initialisation: Tallec & Ollivier, "Can Recurrent Neural Networks Warp Time?" (ICLR 2018).
"""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax.linen.initializers import Initializer

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.memoroid import MemoroidCell
from memorax.networks.sequence_models.scan import Scan, linear_recurrence
from memorax.networks.sequence_models.validation import check_positive


@dataclasses.dataclass(frozen=True)
class MinGRUConfig:
    """Attributes:
    features: hidden and output size.
    max_timescale: the update gate starts with per-unit memory timescales ``1 / z``
        drawn uniformly in ``[2, max_timescale]`` steps (chrono initialisation); set it
        near the longest delay the task must bridge. Must be > 2.
    """

    features: int
    max_timescale: float = 64.0

    def __post_init__(self) -> None:
        check_positive("MinGRUConfig", features=self.features)
        if not self.max_timescale > 2.0:
            raise ValueError(
                f"MinGRUConfig.max_timescale must be > 2 (steps of memory at initialisation), "
                f"got {self.max_timescale}; use e.g. the longest delay the task must bridge."
            )


def chrono_gate_bias(max_timescale: float) -> Initializer:
    """Bias of the ``(2 * features,)`` gate layer ``[update logit, candidate]``.

    The update logit's bias is ``-log(u)``, ``u ~ U(1, max_timescale - 1)``, so at zero
    input ``z = 1 / (1 + u)``: each unit keeps ``1 - z`` of its state per step, a timescale
    of ``1 + u`` steps. The candidate's bias is 0. With a zero bias instead, ``z = 1/2``
    halves the state every step and the gradient from a cue ``k`` steps back shrinks
    like ``2^-k``: minGRU then cannot learn to bridge more than a few steps.
    """

    def init(key: PRNGKey, shape: tuple[int, ...], dtype: jnp.dtype = jnp.float32) -> Array:
        features = shape[0] // 2
        u = jax.random.uniform(key, (features,), dtype, 1.0, max_timescale - 1.0)
        return jnp.concatenate([-jnp.log(u), jnp.zeros((features,), dtype)])

    return init


def _g(x: Array) -> Array:
    """Positive candidate activation of minGRU (continuous, ``x + 0.5`` for x >= 0)."""
    return jnp.where(x >= 0, x + 0.5, nn.sigmoid(x))


class MinGRUCell(MemoroidCell):
    """``h_t = (1 - z_t) h_{t-1} + z_t g(W_h x_t)``, ``z_t = sigmoid(W_z x_t + b_z)``; ``y_t = h_t``.

    ``b_z`` starts from :func:`chrono_gate_bias`. The recurrence is linear in ``h`` and
    evaluated directly (``1 - z`` as ``sigmoid(-logit)``): Feng et al.'s log-space form
    only guards long products against underflow, which here reach 0 harmlessly.
    The gates see only ``x_t``, so one layer can keep a cue but has no way to
    shift a sequence: tasks that need "the input exactly ``k`` steps ago" among
    distractors (RepeatPrevious) need more layers, or a GRU/LRU (Feng et al. report
    the same for one layer on selective copying).

    Carry: ``h`` ``(*batch, features)`` float32. Computes in float32 for any input dtype
    and returns the input dtype (bfloat16 supported).

    Example:
        >>> torso = Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=64)))
    """

    config: MinGRUConfig

    @nn.compact
    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        bias_init = chrono_gate_bias(self.config.max_timescale)
        gates = nn.Dense(2 * self.config.features, bias_init=bias_init, name="gates")(inputs).astype(jnp.float32)
        z_logit, candidate = jnp.split(gates, 2, axis=-1)
        elements = (nn.sigmoid(-z_logit), nn.sigmoid(z_logit) * _g(candidate))
        h = scan(linear_recurrence, elements, done, (jnp.ones_like(carry), carry))[1]
        return h[:, -1], h.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        return jnp.zeros((*input_shape[:-1], self.config.features), jnp.float32)
