"""Heads: map torso features ``(B, T, F)`` to what an algorithm needs.

Policies return distrax distributions over a ``(B, T)`` batch; value heads return
values and expose ``value(out)`` / ``loss(out, targets)``; Q heads return Q-values and
expose ``q_values(out)``.
"""

from memorax.networks.heads.categorical import Categorical as Categorical
from memorax.networks.heads.discrete_q_network import DiscreteQNetwork as DiscreteQNetwork
from memorax.networks.heads.gaussian import Gaussian as Gaussian
from memorax.networks.heads.v_network import VNetwork as VNetwork
