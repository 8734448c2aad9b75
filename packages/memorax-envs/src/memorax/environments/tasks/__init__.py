"""Built-in memory tasks (``memorax::`` ids), POPGym-style, pure JAX."""
