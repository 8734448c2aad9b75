"""Adapters from environment libraries to the memorax ``Environment`` protocol."""
