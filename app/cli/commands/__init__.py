"""Command modules of the ``tessera`` command line, one per area."""
