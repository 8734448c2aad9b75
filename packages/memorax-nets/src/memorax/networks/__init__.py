"""memorax.networks: sequence models, blocks, encoders, heads and the Network pipeline."""

from memorax.networks import heads as heads
from memorax.networks.encoders.mlp import MLP as MLP
from memorax.networks.feature_extractor import FeatureExtractor as FeatureExtractor
from memorax.networks.network import Network as Network
