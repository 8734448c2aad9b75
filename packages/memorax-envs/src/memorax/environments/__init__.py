"""memorax.environments: ``make("namespace::id")``, adapters, wrappers and built-in memory tasks.

Backends (gymnax, jaxmarl, craftax, xminigrid, navix, brax, MuJoCo Playground, gxm) are
imported only when an environment of theirs is made.
"""

from memorax.environments import environment as environment
from memorax.environments.adapters.brax import BraxEnvironment as BraxEnvironment
from memorax.environments.adapters.craftax import CraftaxEnvironment as CraftaxEnvironment
from memorax.environments.adapters.gymnax import GymnaxEnvironment as GymnaxEnvironment
from memorax.environments.adapters.jaxmarl import JaxMARLEnvironment as JaxMARLEnvironment
from memorax.environments.adapters.gxm import GxmEnvironment as GxmEnvironment
from memorax.environments.adapters.navix import NavixEnvironment as NavixEnvironment
from memorax.environments.adapters.playground import PlaygroundEnvironment as PlaygroundEnvironment
from memorax.environments.adapters.xminigrid import XMiniGridEnvironment as XMiniGridEnvironment
from memorax.environments.auto_reset import AutoResetEnvironment as AutoResetEnvironment
from memorax.environments.environment import make as make
from memorax.environments.spaces import Box as Box
from memorax.environments.spaces import Discrete as Discrete
from memorax.environments.tasks.autoencode import Autoencode as Autoencode
from memorax.environments.tasks.battleship import Battleship as Battleship
from memorax.environments.tasks.concentration import Concentration as Concentration
from memorax.environments.tasks.count_recall import CountRecall as CountRecall
from memorax.environments.tasks.higher_lower import HigherLower as HigherLower
from memorax.environments.tasks.labyrinth import LabyrinthEscape as LabyrinthEscape
from memorax.environments.tasks.labyrinth import LabyrinthExplore as LabyrinthExplore
from memorax.environments.tasks.minesweeper import MineSweeper as MineSweeper
from memorax.environments.tasks.multiarmed_bandit import MultiarmedBandit as MultiarmedBandit
from memorax.environments.tasks.position_only_pendulum import PositionOnlyPendulum as PositionOnlyPendulum
from memorax.environments.tasks.reference import reference_returns as reference_returns
from memorax.environments.tasks.repeat_first import RepeatFirst as RepeatFirst
from memorax.environments.tasks.repeat_previous import RepeatPrevious as RepeatPrevious
from memorax.environments.tasks.stateless_cartpole import StatelessCartPole as StatelessCartPole
from memorax.environments.tasks.tmaze import TMaze as TMaze

__version__ = "0.1.0"
