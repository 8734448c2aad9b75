"""Intrinsic reward modules: curiosity (ICM) and random network distillation (RND).

Both expose the same pure methods, so that :class:`~memorax.algorithms.IRPPO` takes either:
``init_variables(key, observation, action)``, ``observe(variables, next_observation)`` (running
statistics), ``intrinsic_reward(variables, observation, next_observation, action) -> (*batch,)``
and ``loss(variables, observation, next_observation, action, key=None) -> (loss, metrics)``
(``key`` draws RND's ``update_proportion`` subset), trained in ``variables["params"]``.
"""

from memorax.algorithms.intrinsic.icm import ICM as ICM
from memorax.algorithms.intrinsic.icm import ICMOutput as ICMOutput
from memorax.algorithms.intrinsic.rnd import RND as RND
