"""The version of the ``cpe`` distribution (setup.cfg reads it from here)."""

__version__ = "0.2.0"
