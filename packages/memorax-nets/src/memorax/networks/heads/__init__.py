"""Heads: map torso features ``(B, T, F)`` to what an algorithm needs.

Policies return distrax distributions over a ``(B, T)`` batch. Value heads return
their raw output and expose ``value(out) -> (B, T)`` and ``loss(out, targets) -> (B, T)``;
discrete Q heads expose ``q_values(out) -> (B, T, A)``. These methods use no
parameters: call them on ``network.head``.
"""

from memorax.networks.heads.actor_critic import ActorCritic as ActorCritic
from memorax.networks.heads.actor_critic import ActorCriticOutput as ActorCriticOutput
from memorax.networks.heads.alpha import Alpha as Alpha
from memorax.networks.heads.c51_q_network import C51QNetwork as C51QNetwork
from memorax.networks.heads.c51_q_network import categorical_projection as categorical_projection
from memorax.networks.heads.categorical import Categorical as Categorical
from memorax.networks.heads.continuous_q_network import ContinuousQNetwork as ContinuousQNetwork
from memorax.networks.heads.continuous_q_network import (
    TwinContinuousQNetwork as TwinContinuousQNetwork,
)
from memorax.networks.heads.discrete_q_network import DiscreteQNetwork as DiscreteQNetwork
from memorax.networks.heads.gaussian import Gaussian as Gaussian
from memorax.networks.heads.gvf import GVF as GVF
from memorax.networks.heads.hl_gauss_v_network import HLGaussVNetwork as HLGaussVNetwork
from memorax.networks.heads.hl_gauss_v_network import hl_gauss_targets as hl_gauss_targets
from memorax.networks.heads.horde import Horde as Horde
from memorax.networks.heads.squashed_gaussian import SquashedGaussian as SquashedGaussian
from memorax.networks.heads.v_network import VNetwork as VNetwork
