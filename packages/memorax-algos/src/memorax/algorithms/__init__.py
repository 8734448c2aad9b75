"""memorax.algorithms: RL algorithms built for recurrent training, on shared scaffolding."""

from memorax.algorithms.ppo import PPO as PPO
from memorax.algorithms.ppo import PPOConfig as PPOConfig
from memorax.algorithms.ppo import PPOState as PPOState
from memorax.algorithms.pqn import PQN as PQN
from memorax.algorithms.pqn import PQNConfig as PQNConfig
from memorax.algorithms.pqn import PQNState as PQNState
from memorax.algorithms.mappo import MAPPO as MAPPO
from memorax.algorithms.mappo import MAPPOConfig as MAPPOConfig
from memorax.algorithms.dqn import DQN as DQN
from memorax.algorithms.dqn import DQNConfig as DQNConfig
from memorax.algorithms.dqn import DQNState as DQNState
from memorax.algorithms.r2d2 import R2D2 as R2D2
from memorax.algorithms.r2d2 import R2D2Config as R2D2Config
from memorax.algorithms.r2d2 import R2D2State as R2D2State
from memorax.algorithms.sac import SAC as SAC
from memorax.algorithms.sac import SACConfig as SACConfig
from memorax.algorithms.sac import SACState as SACState
from memorax.algorithms._steps import StepCount as StepCount
from memorax.algorithms.stream_ac import StreamAC as StreamAC
from memorax.algorithms.stream_ac import StreamACConfig as StreamACConfig
from memorax.algorithms.stream_ac import StreamACState as StreamACState
from memorax.algorithms.qrc import QRC as QRC
from memorax.algorithms.qrc import QRCConfig as QRCConfig
from memorax.algorithms.qrc import QRCState as QRCState
from memorax.algorithms.gradient_ppo import GradientPPO as GradientPPO
from memorax.algorithms.gradient_ppo import GradientPPOConfig as GradientPPOConfig
