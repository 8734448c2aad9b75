"""memorax.networks.layers (the public names are re-exported by memorax.networks)."""
