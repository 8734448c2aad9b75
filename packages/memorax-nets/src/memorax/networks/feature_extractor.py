"""Embeds one time step ``(observation_t, previous action, previous reward, done_t)``.

Every input is batch-major ``(B, T, ...)``. Each extractor is an ordinary Flax module
applied to its input as it is; their outputs are concatenated on the feature axis, so
the torso sees ``(B, T, F_obs + F_action + F_reward + F_done)``.
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from memorax.core.typing import Array


class FeatureExtractor(nn.Module):
    """Maps observations (and optionally the previous action, reward, done) to features.

    Inputs: ``observation`` ``(B, T, ...)`` (any pytree the observation extractor
    accepts, e.g. pixels ``(B, T, H, W, C)`` for a :class:`CNN`), ``action`` the
    *previous* action ``(B, T)`` int for discrete or ``(B, T, A)`` float for continuous
    actions, ``reward`` the previous reward ``(B, T)``, ``done`` ``(B, T)`` bool.
    Output: ``(B, T, F)``.

    Previous actions: a float action ``(B, T, A)`` is given to ``action_extractor`` as
    it is. An integer action ``(B, T)`` is one-hot encoded to ``(B, T, num_actions)``
    first, so ``num_actions`` must be set whenever an ``action_extractor`` sees discrete
    actions. The one-hot is zeroed where ``done`` is true, which keeps "no previous
    action" (episode start) distinct from action 0. Rewards and dones are given to their
    extractors as ``(B, T, 1)`` floats. Inputs without an extractor are ignored.

    Example:
        >>> fe = FeatureExtractor(
        ...     observation_extractor=nn.Sequential((nn.Dense(64), nn.relu)),
        ...     action_extractor=nn.Dense(16), num_actions=4)
        >>> features = fe.apply(params, obs, action, reward, done)   # (B, T, 80)
    """

    observation_extractor: nn.Module
    action_extractor: nn.Module | None = None
    reward_extractor: nn.Module | None = None
    done_extractor: nn.Module | None = None
    num_actions: int | None = None

    def __post_init__(self) -> None:
        if self.num_actions is not None and self.num_actions < 1:
            raise ValueError(
                f"FeatureExtractor.num_actions must be a positive number of discrete "
                f"actions, got {self.num_actions}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(self, observation: Any, action: Array, reward: Array, done: Array) -> Array:
        not_done = 1.0 - jnp.asarray(done, jnp.float32)[..., None]
        features = [self.observation_extractor(observation)]
        if self.action_extractor is not None:
            features.append(self.action_extractor(self._encode_action(action, not_done)))
        if self.reward_extractor is not None:
            features.append(self.reward_extractor(jnp.asarray(reward, jnp.float32)[..., None]))
        if self.done_extractor is not None:
            features.append(self.done_extractor(1.0 - not_done))
        leading = features[0].shape[:-1]
        for feature in features[1:]:
            if feature.shape[:-1] != leading:
                raise ValueError(
                    f"FeatureExtractor: every extractor must keep the (B, T) axes; got "
                    f"{[f.shape for f in features]}. Make the observation extractor map "
                    "(B, T, ...) to (B, T, F) (e.g. flatten pixels per frame)."
                )
        return jnp.concatenate(features, axis=-1)

    def _encode_action(self, action: Array, not_done: Array) -> Array:
        action = jnp.asarray(action)
        if jnp.issubdtype(action.dtype, jnp.integer):
            if self.num_actions is None:
                raise ValueError(
                    "FeatureExtractor.num_actions is required to one-hot encode discrete "
                    "(integer) previous actions for action_extractor; set it to the size "
                    "of the action space, e.g. env.action_space(params).n."
                )
            return nn.one_hot(action, self.num_actions) * not_done
        return action
