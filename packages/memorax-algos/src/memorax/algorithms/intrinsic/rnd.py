"""Random Network Distillation (Burda et al. 2018, "Exploration by Random Network Distillation",
arXiv:1810.12894).

A predictor network is trained to match the features of a fixed, randomly initialised
target network on the observations the agent visits; its error is the intrinsic reward,
high on observations unlike those seen so far and falling as they are revisited. Both
networks see observations standardised by running statistics and clipped to
``[-observation_clip, observation_clip]`` (section 2.4 of the paper; the paper's random-agent
warm-up is replaced by merging each rollout into the statistics before its rewards are
computed). With many envs the paper trains the predictor on a random ``update_proportion``
of each minibatch's transitions (0.25 at 128 envs and more), so that its error falls no
faster than with fewer envs.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.algorithms._normalization import initial_moments, standardize, update_moments
from memorax.core.typing import Array, PRNGKey

Variables = dict[str, Any]


class RND(nn.Module):
    """Intrinsic reward ``mean((predictor(x) - target(x))**2)`` of the next observation ``x``.

    ``target`` and ``predictor`` are any modules (memorax encoders such as ``MLP`` or
    ``CNN``, maybe followed by a projection) that map observations ``(*batch, ...)`` to
    features ``(*batch, F)`` of the same size ``F``. Only the predictor is trained: the
    target's parameters live in their own ``"target"`` collection, out of the optimizer's
    reach. Variables: ``{"params": {"predictor"}, "target": {"target"}, "statistics":
    {"observation": Moments}}``. ``update_proportion`` in ``(0, 1]``: the expected fraction of
    a batch's transitions the distillation loss trains on (each kept with that probability;
    ``loss`` then needs a ``key``).

    Example:
        >>> rnd = RND(target=MLP(features=(64, 64), activate_final=False),
        ...           predictor=MLP(features=(64, 64, 64), activate_final=False))
        >>> variables = rnd.init_variables(key, observation, action)   # (B, ...) batches
        >>> variables = rnd.observe(variables, next_observation)
        >>> reward = rnd.intrinsic_reward(variables, observation, next_observation, action)  # (B,)
    """

    target: nn.Module
    predictor: nn.Module
    observation_clip: float = 5.0
    update_proportion: float = 1.0

    def __post_init__(self) -> None:
        if self.observation_clip <= 0:
            raise ValueError(f"RND.observation_clip must be > 0, got {self.observation_clip}.")
        if not 0.0 < self.update_proportion <= 1.0:
            raise ValueError(
                f"RND.update_proportion must lie in (0, 1] (the fraction of transitions the predictor trains on; "
                f"0.25 in the paper's runs of 128+ envs), got {self.update_proportion}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, observation: Array) -> tuple[Array, Array]:
        """``(prediction, target features)`` of standardised observations ``(*batch, ...)``."""
        prediction, target = self.predictor(observation), self.target(observation)
        if prediction.shape != target.shape:
            raise ValueError(
                f"RND: the predictor's output {prediction.shape} must match the target's {target.shape}; "
                "give both networks the same number of output features."
            )
        return prediction, jax.lax.stop_gradient(target)

    @nn.nowrap
    def init_variables(self, key: PRNGKey, observation: Array, action: Array) -> Variables:
        """Fresh variables from a batch of observations ``(B, ...)`` (``action`` is unused)."""
        params = self.init(key, jnp.zeros_like(observation, jnp.float32))["params"]
        return {
            "params": {"predictor": params["predictor"]},
            "target": {"target": params["target"]},
            "statistics": {"observation": initial_moments(jnp.shape(observation)[1:])},
        }

    @nn.nowrap
    def observe(self, variables: Variables, next_observation: Array) -> Variables:
        """The variables with ``next_observation`` ``(*batch, ...)`` merged into the running statistics."""
        moments = variables["statistics"]["observation"]
        flat = jnp.reshape(next_observation, (-1, *moments.mean.shape))
        return {**variables, "statistics": {"observation": update_moments(moments, flat)}}

    @nn.nowrap
    def intrinsic_reward(
        self, variables: Variables, observation: Array, next_observation: Array, action: Array
    ) -> Array:
        """The prediction error on ``next_observation`` ``(*batch, ...)``: rewards ``(*batch,)``."""
        moments = variables["statistics"]["observation"]
        x = jnp.clip(standardize(next_observation, moments), -self.observation_clip, self.observation_clip)
        prediction, target = self.apply({"params": {**variables["params"], **variables["target"]}}, x)
        return jnp.mean(jnp.square(prediction - target), axis=-1)

    @nn.nowrap
    def loss(
        self,
        variables: Variables,
        observation: Array,
        next_observation: Array,
        action: Array,
        key: PRNGKey | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """The predictor's distillation loss (the mean intrinsic reward over the transitions ``key``
        keeps with probability ``update_proportion``), differentiable in ``variables["params"]``."""
        error = self.intrinsic_reward(variables, observation, next_observation, action)
        if self.update_proportion == 1.0:
            loss = jnp.mean(error)
            return loss, {"rnd": loss}
        if key is None:
            raise ValueError(f"RND.loss needs a key to draw the update_proportion={self.update_proportion} subset.")
        keep = jax.random.uniform(key, error.shape) < self.update_proportion
        loss = jnp.sum(jnp.where(keep, error, 0.0)) / jnp.maximum(jnp.sum(keep), 1)
        return loss, {"rnd": loss, "rnd_kept": jnp.mean(keep)}
