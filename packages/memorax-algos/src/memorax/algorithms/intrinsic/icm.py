"""Intrinsic Curiosity Module (Pathak et al. 2017, "Curiosity-driven Exploration by
Self-supervised Prediction", arXiv:1705.05363).

An encoder ``phi`` maps observations to features; an inverse model predicts the action
``a_t`` from ``(phi(o_t), phi(o_{t+1}))`` and a forward model predicts ``phi(o_{t+1})``
from ``(phi(o_t), a_t)``. The features are learnt by both losses, so they keep what the
agent's actions can change and drop what they cannot; the forward model's error in that
space is the intrinsic reward. Loss: ``(1 - beta) * L_inverse + beta * L_forward``.
"""

from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from memorax.core.typing import Array, PRNGKey

Variables = dict[str, Any]


class ICMOutput(NamedTuple):
    """What :class:`ICM` computes for a batch of transitions ``(*batch, ...)``.

    Attributes:
        next_features: ``phi(o_{t+1})`` ``(*batch, F)``.
        predicted_next_features: the forward model's ``(*batch, F)``.
        action_logits: the inverse model's ``(*batch, num_actions)``.
    """

    next_features: Array
    predicted_next_features: Array
    action_logits: Array


class ICM(nn.Module):
    """Curiosity reward ``0.5 * ||f(phi(o_t), a_t) - phi(o_{t+1})||^2`` for discrete actions.

    ``encoder`` is any module (a memorax ``MLP`` or ``CNN``) from observations
    ``(*batch, ...)`` to features ``(*batch, F)``; ``forward_model`` and ``inverse_model``
    are any modules on concatenated vectors (e.g. ``MLP``), followed here by a linear
    projection to ``F`` features and to ``num_actions`` logits. ``beta`` weighs the
    forward loss against the inverse loss (0.2 in the paper). Variables: ``{"params"}``.

    Example:
        >>> icm = ICM(encoder=MLP(features=(64,)), forward_model=MLP(features=(64,)),
        ...           inverse_model=MLP(features=(64,)), num_actions=4)
        >>> variables = icm.init_variables(key, observation, action)   # (B, ...) batches
        >>> reward = icm.intrinsic_reward(variables, observation, next_observation, action)  # (B,)
    """

    encoder: nn.Module
    forward_model: nn.Module
    inverse_model: nn.Module
    num_actions: int
    beta: float = 0.2

    def __post_init__(self) -> None:
        if self.num_actions < 2:
            raise ValueError(f"ICM.num_actions must be >= 2 (discrete actions to infer), got {self.num_actions}.")
        if not 0.0 <= self.beta <= 1.0:
            raise ValueError(f"ICM.beta must lie in [0, 1] (the forward loss's weight), got {self.beta}.")
        super().__post_init__()

    @nn.compact
    def __call__(self, observation: Array, next_observation: Array, action: Array) -> ICMOutput:
        """Transitions ``(*batch, ...)`` with integer actions ``(*batch,)``."""
        if not jnp.issubdtype(jnp.asarray(action).dtype, jnp.integer):
            raise ValueError(f"ICM infers discrete actions: expected integer actions, got {jnp.asarray(action).dtype}.")
        features = self.encoder(jnp.asarray(observation, jnp.float32))
        next_features = self.encoder(jnp.asarray(next_observation, jnp.float32))
        hidden = self.inverse_model(jnp.concatenate([features, next_features], axis=-1))
        logits = nn.Dense(self.num_actions, name="action_logits")(hidden)
        one_hot = jax.nn.one_hot(action, self.num_actions, dtype=features.dtype)
        hidden = self.forward_model(jnp.concatenate([features, one_hot], axis=-1))
        predicted = nn.Dense(features.shape[-1], name="next_features")(hidden)
        return ICMOutput(next_features, predicted, logits)

    @nn.nowrap
    def init_variables(self, key: PRNGKey, observation: Array, action: Array) -> Variables:
        """Fresh variables from a batch of observations ``(B, ...)`` and actions ``(B,)``."""
        return {"params": self.init(key, observation, observation, action)["params"]}

    @nn.nowrap
    def observe(self, variables: Variables, next_observation: Array) -> Variables:
        """ICM keeps no running statistics: ``variables`` unchanged."""
        return variables

    @nn.nowrap
    def _errors(
        self, variables: Variables, observation: Array, next_observation: Array, action: Array
    ) -> tuple[Array, Array, ICMOutput]:
        out = self.apply(variables, observation, next_observation, action)
        forward = 0.5 * jnp.sum(jnp.square(out.predicted_next_features - out.next_features), axis=-1)
        inverse = optax.softmax_cross_entropy_with_integer_labels(out.action_logits, action)
        return forward, inverse, out

    @nn.nowrap
    def intrinsic_reward(
        self, variables: Variables, observation: Array, next_observation: Array, action: Array
    ) -> Array:
        """The forward model's error ``(*batch,)`` on transitions ``(*batch, ...)``."""
        forward, _, _ = self._errors(variables, observation, next_observation, action)
        return forward

    @nn.nowrap
    def loss(
        self,
        variables: Variables,
        observation: Array,
        next_observation: Array,
        action: Array,
        key: PRNGKey | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """``(1 - beta) * inverse cross-entropy + beta * forward error``, means over the batch
        (``key`` is unused: the reward modules share one signature)."""
        forward, inverse, out = self._errors(variables, observation, next_observation, action)
        forward, inverse = jnp.mean(forward), jnp.mean(inverse)
        accuracy = jnp.mean(jnp.argmax(out.action_logits, axis=-1) == action)
        loss = (1.0 - self.beta) * inverse + self.beta * forward
        return loss, {"icm_forward": forward, "icm_inverse": inverse, "icm_inverse_accuracy": accuracy}
