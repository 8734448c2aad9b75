"""memorax.networks.encoders (the public names are re-exported by memorax.networks)."""
