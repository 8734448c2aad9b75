"""memorax.networks.blocks (the public names are re-exported by memorax.networks)."""
