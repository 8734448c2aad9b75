"""Top-k softmax router of a mixture of experts, with its load-balancing loss."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array


class TopKRouter(nn.Module):
    """Routes each step to its ``k`` most probable experts.

    Shapes: ``x`` ``(..., F)`` -> gates ``(..., num_experts)``, zero outside the top
    ``k`` and renormalised to sum to one over them (Shazeer et al., 2017,
    arXiv:1701.06538). The load-balancing loss of Switch Transformers (Fedus et al.,
    2021, arXiv:2101.03961), ``E * sum_e f_e * P_e`` with ``f_e`` the fraction of
    routing slots sent to expert ``e`` and ``P_e`` its mean router probability, is
    scaled by ``load_balancing_coefficient`` and sown into the ``"aux_losses"``
    collection (not at ``init``): ``(carry, out), aux = network.apply(...,
    mutable=["aux_losses"])`` and add ``sum(jax.tree.leaves(aux))`` to the loss.

    Example:
        >>> router = TopKRouter(num_experts=4, k=2)
    """

    num_experts: int
    k: int = 2
    load_balancing_coefficient: float = 0.01

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.num_experts:
            raise ValueError(
                f"TopKRouter.k must be in [1, num_experts={self.num_experts}], got {self.k}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, x: Array, **kwargs: Any) -> Array:
        logits = nn.Dense(self.num_experts, use_bias=False, name="logits")(x)
        probs = jax.nn.softmax(logits.astype(jnp.float32), axis=-1)
        top_probs, top_index = jax.lax.top_k(probs, self.k)
        selected = jax.nn.one_hot(top_index, self.num_experts).sum(-2)  # (..., E) in {0, 1}
        gates = probs * selected / jnp.sum(top_probs, axis=-1, keepdims=True)

        fraction = jnp.mean(selected.reshape(-1, self.num_experts), axis=0) / self.k
        mean_prob = jnp.mean(probs.reshape(-1, self.num_experts), axis=0)
        loss = self.num_experts * jnp.sum(fraction * mean_prob)
        if not self.is_initializing():  # keep init's variables free of stale losses
            self.sow("aux_losses", "load_balancing", self.load_balancing_coefficient * loss)
        return gates
