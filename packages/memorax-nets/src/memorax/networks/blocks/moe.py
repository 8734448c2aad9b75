"""Mixture of experts block."""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.blocks.block import block_carry, call_block
from memorax.networks.blocks.top_k_router import TopKRouter
from memorax.networks.sequence_models.sequence_model import SequenceModel


class MoE(SequenceModel):
    """``y_t = sum_e gate_e(x_t) * expert_e(x_t)`` with top-k gates from ``router``.

    Experts are evaluated densely and combined with the sparse gates (simple and
    exact; compute grows with the number of experts). Each entry of ``experts`` has
    its own parameters, even where one object is repeated. The carry is a tuple of the
    experts' carries. The router's load-balancing loss goes to ``"aux_losses"``
    (see :class:`TopKRouter`).

    Example:
        >>> moe = MoE(experts=[FFN(features=64) for _ in range(4)],
        ...           router=TopKRouter(num_experts=4, k=2))
    """

    experts: Sequence[nn.Module]
    router: TopKRouter

    def __post_init__(self) -> None:
        if len(self.experts) != self.router.num_experts:
            raise ValueError(
                f"MoE has {len(self.experts)} experts but router.num_experts is "
                f"{self.router.num_experts}; make them equal."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        carries = initial_carry if initial_carry is not None else (None,) * len(self.experts)
        gates = self.router(inputs)
        outputs, new_carries = [], []
        for i, (expert, carry) in enumerate(zip(self.experts, carries, strict=True)):
            expert = expert.clone(parent=self, name=f"expert_{i}", _deep_clone=True)
            carry, y = call_block(expert, inputs, done, carry, **kwargs)
            outputs.append(y)
            new_carries.append(carry)
        y = jnp.einsum("...e,e...f->...f", gates.astype(outputs[0].dtype), jnp.stack(outputs))
        return tuple(new_carries), y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        keys = jax.random.split(key, len(self.experts))
        return tuple(block_carry(e, k, input_shape) for e, k in zip(self.experts, keys))
