"""Stable Hadamard Memory (SHM) cell with deterministic calibration.

Reference: Le et al., "Stable Hadamard Memory: Revitalizing Memory-Augmented Agents for
Reinforcement Learning" (ICLR 2025).

The paper samples the calibration vector ``theta_t`` at random from a learned bank at
every step. A random draw would make acting (T=1 calls) and training (whole sequences)
see different thetas, breaking chunk equivalence, so here ``theta_t`` is the bank entry
``k mod num_thetas`` where ``k`` is the step's index within its episode (kept in the
carry). The bank is still cycled through, but deterministically: no rng is needed.
"""

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.validation import check_positive


class SHMCell(nn.RNNCellBase):
    """``M_t = M_{t-1} * (1 + tanh(theta_t c_t^T)) + v_t k_t^T`` (Hadamard), ``y_t = Dense(M_t q_t)``.

    Carry: ``{"memory": (*batch, memory_dim, memory_dim) float32, "step": (*batch,) int32}``
    (``step`` is the episode step modulo ``num_thetas``).

    Example:
        >>> torso = RNN(cell=SHMCell(features=64))
    """

    features: int
    memory_dim: int = 32
    num_thetas: int = 128

    def __post_init__(self) -> None:
        check_positive("SHMCell", features=self.features, memory_dim=self.memory_dim,
                       num_thetas=self.num_thetas)
        super().__post_init__()

    @nn.compact
    def __call__(self, carry: Carry, inputs: Array) -> tuple[Carry, Array]:
        d = self.memory_dim
        x = inputs.astype(jnp.float32)
        value, key, query, calibration = jnp.split(nn.Dense(4 * d, name="proj")(x), 4, axis=-1)
        key, query = nn.relu(key), nn.relu(query)
        thetas = self.param("thetas", nn.initializers.normal(1.0 / d**0.5), (self.num_thetas, d))
        theta = thetas[carry["step"]]
        memory = carry["memory"] * (1.0 + jnp.tanh(theta[..., :, None] * calibration[..., None, :]))
        memory = memory + value[..., :, None] * key[..., None, :]
        read = jnp.einsum("...ij,...j->...i", memory, query)
        y = nn.Dense(self.features, name="out")(read)
        return {"memory": memory, "step": (carry["step"] + 1) % self.num_thetas}, y.astype(inputs.dtype)

    @nn.nowrap
    def initialize_carry(self, rng: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        batch = tuple(input_shape[:-1])
        return {"memory": jnp.zeros((*batch, self.memory_dim, self.memory_dim)),
                "step": jnp.zeros(batch, jnp.int32)}

    @property
    def num_feature_axes(self) -> int:
        return 1
