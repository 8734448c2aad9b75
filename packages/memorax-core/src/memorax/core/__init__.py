"""memorax.core: the data conventions and interfaces every memorax package shares."""

from memorax.core.dataclass import pytree_dataclass as pytree_dataclass
from memorax.core.logs import EPISODE_COUNT as EPISODE_COUNT
from memorax.core.logs import EPISODE_DONE as EPISODE_DONE
from memorax.core.logs import EPISODE_LENGTH as EPISODE_LENGTH
from memorax.core.logs import EPISODE_RETURN as EPISODE_RETURN
from memorax.core.logs import STEP as STEP
from memorax.core.logs import Logs as Logs
from memorax.core.logs import episode_return as episode_return
from memorax.core.logs import episode_return_per_seed as episode_return_per_seed
from memorax.core.logs import flatten_logs as flatten_logs
from memorax.core.logs import masked_mean as masked_mean
from memorax.core.logs import num_seeds as num_seeds
from memorax.core.logs import reduce_across_seeds as reduce_across_seeds
from memorax.core.logs import reduce_per_seed as reduce_per_seed
from memorax.core.logs import with_seed_axis as with_seed_axis
from memorax.core.protocols import Algorithm as Algorithm
from memorax.core.protocols import BoxSpace as BoxSpace
from memorax.core.protocols import DiscreteSpace as DiscreteSpace
from memorax.core.protocols import Environment as Environment
from memorax.core.protocols import Logger as Logger
from memorax.core.protocols import MultiAgentEnvironment as MultiAgentEnvironment
from memorax.core.protocols import SequenceModel as SequenceModel
from memorax.core.protocols import Space as Space
from memorax.core.timestep import Timestep as Timestep
from memorax.core.timestep import Transition as Transition
from memorax.core.timestep import first_timestep as first_timestep
from memorax.core.timestep import next_timestep as next_timestep

__version__ = "0.1.0"
