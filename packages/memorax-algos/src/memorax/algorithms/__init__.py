"""memorax.algorithms: RL algorithms built for recurrent training, on shared scaffolding."""

from memorax.algorithms.ppo import PPO as PPO
from memorax.algorithms.ppo import PPOConfig as PPOConfig
from memorax.algorithms.ppo import PPOState as PPOState
from memorax.algorithms.pqn import PQN as PQN
from memorax.algorithms.pqn import PQNConfig as PQNConfig
from memorax.algorithms.pqn import PQNState as PQNState
from memorax.algorithms.mappo import MAPPO as MAPPO
from memorax.algorithms.mappo import MAPPOConfig as MAPPOConfig
