"""Environment wrappers: episode statistics, POMDP makers, normalisation, action and reward transforms."""

from memorax.environments.wrappers.action_reward import ClipActionWrapper as ClipActionWrapper
from memorax.environments.wrappers.action_reward import ScaleRewardWrapper as ScaleRewardWrapper
from memorax.environments.wrappers.episode_statistics import EpisodeStatisticsState as EpisodeStatisticsState
from memorax.environments.wrappers.episode_statistics import (
    MultiAgentRecordEpisodeStatistics as MultiAgentRecordEpisodeStatistics,
)
from memorax.environments.wrappers.episode_statistics import RecordEpisodeStatistics as RecordEpisodeStatistics
from memorax.environments.wrappers.normalize import NormalizeObservationWrapper as NormalizeObservationWrapper
from memorax.environments.wrappers.normalize import NormalizeRewardWrapper as NormalizeRewardWrapper
from memorax.environments.wrappers.pomdp import DelayedObservationWrapper as DelayedObservationWrapper
from memorax.environments.wrappers.pomdp import FlickerObservationWrapper as FlickerObservationWrapper
from memorax.environments.wrappers.pomdp import MaskObservationWrapper as MaskObservationWrapper
from memorax.environments.wrappers.pomdp import NoisyObservationWrapper as NoisyObservationWrapper
from memorax.environments.wrappers.pomdp import PeriodicObservationWrapper as PeriodicObservationWrapper
from memorax.environments.wrappers.running_moments import RunningMoments as RunningMoments
from memorax.environments.wrappers.running_moments import update_moments as update_moments
from memorax.environments.wrappers.wrapper import Wrapper as Wrapper
