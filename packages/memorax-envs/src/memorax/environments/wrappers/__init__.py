"""Environment wrappers: episode statistics, POMDP makers, normalisation, action and reward transforms."""

from memorax.environments.wrappers.episode_statistics import EpisodeStatisticsState as EpisodeStatisticsState
from memorax.environments.wrappers.episode_statistics import (
    MultiAgentRecordEpisodeStatistics as MultiAgentRecordEpisodeStatistics,
)
from memorax.environments.wrappers.episode_statistics import RecordEpisodeStatistics as RecordEpisodeStatistics
from memorax.environments.wrappers.wrapper import Wrapper as Wrapper
