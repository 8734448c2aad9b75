"""memorax.networks.attention (the public names are re-exported by memorax.networks)."""
