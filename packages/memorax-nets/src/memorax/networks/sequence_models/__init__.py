"""memorax.networks.sequence_models (the public names are re-exported by memorax.networks)."""
