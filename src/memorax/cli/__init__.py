"""The ``memorax`` command: ``memorax train`` and ``memorax plot``."""
