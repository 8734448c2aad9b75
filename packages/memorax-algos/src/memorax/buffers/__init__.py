"""memorax.buffers: sequence replay for recurrent agents, built on flashbax.

Windows of consecutive steps may start at any step and never cross the write head;
the prioritised buffer samples them by priority with importance weights.
"""

from memorax.buffers.episode_buffer import EpisodeBuffer as EpisodeBuffer
from memorax.buffers.episode_buffer import make_episode_buffer as make_episode_buffer
from memorax.buffers.episode_buffer import stored_steps as stored_steps
from memorax.buffers.prioritised_episode_buffer import PrioritisedEpisodeBuffer as PrioritisedEpisodeBuffer
from memorax.buffers.prioritised_episode_buffer import importance_weights as importance_weights
from memorax.buffers.prioritised_episode_buffer import (
    make_prioritised_episode_buffer as make_prioritised_episode_buffer,
)
