"""The one network shape the algorithms know: feature extractor -> torso -> head."""

from typing import Any

import flax.linen as nn

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.layers.flat_dense import dense_on_rows
from memorax.networks.sequence_models.sequence_model import SequenceModel, SequenceModelWrapper


class Network(nn.Module):
    """``carry, out = network(observation, done, action, reward, initial_carry, **kwargs)``.

    Shapes: ``observation`` ``(B, T, ...)``, ``done`` ``(B, T)`` bool, ``action`` the
    *previous* action (``(B, T)`` int or ``(B, T, A)`` float), ``reward`` the previous
    reward ``(B, T)``. ``out`` is whatever the head returns (a distribution, values,
    Q-values); ``carry`` is the torso's carry after the last step (``None`` for a
    stateless torso). ``kwargs`` go to the torso and the head, e.g. the *current* action
    of a Q(s, a) critic as ``current_action=``.

    ``torso`` may be any :class:`SequenceModel`; any other module is applied to every
    step alike (:class:`SequenceModelWrapper`), and an omitted torso is the identity.

    Example:
        >>> actor = Network(
        ...     feature_extractor=FeatureExtractor(observation_extractor=nn.Dense(64)),
        ...     torso=RNN(cell=nn.GRUCell(features=64)),
        ...     head=heads.Categorical(action_dim=4))
        >>> params = actor.init(key, obs, done, action, reward)
        >>> carry, dist = actor.apply(params, obs, done, action, reward)
    """

    feature_extractor: nn.Module
    torso: nn.Module | None = None
    head: nn.Module | None = None

    def __post_init__(self) -> None:
        if self.head is None:
            raise ValueError(
                "Network.head is required: pass e.g. heads.Categorical(action_dim=...) "
                "for a policy or heads.VNetwork() for a critic."
            )
        if isinstance(self.torso, nn.RNNCellBase):
            raise ValueError(
                f"Network.torso got the recurrent cell {type(self.torso).__name__}; "
                "scan it over time with RNN(cell=...)."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self,
        observation: Any,
        done: Array,
        action: Array,
        reward: Array,
        initial_carry: Carry | None = None,
        **kwargs: Any,
    ) -> tuple[Carry, Any]:
        # Dense layers on (rows, F): the same numbers, and 2-D matmuls in the gradient.
        with dense_on_rows():
            x = self.feature_extractor(observation, action, reward, done)
            if isinstance(self.torso, SequenceModel):
                carry, x = self.torso(x, done, initial_carry, **kwargs)
            elif self.torso is None:
                carry = initial_carry
            else:
                carry, x = SequenceModelWrapper(self.torso)(x, done, initial_carry)
            return carry, self.head(x, **kwargs)

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, batch_shape: tuple[int, ...]) -> Carry:
        """The torso's carry for a fresh episode in every row of ``batch_shape``.

        ``None`` for a stateless torso.
        """
        if not isinstance(self.torso, SequenceModel):
            return None
        # Carries depend only on the batch dims (INTERFACES.md); the feature size is a
        # placeholder.
        return self.torso.initialize_carry(key, (*batch_shape, 1))
