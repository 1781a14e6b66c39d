"""statuspage: an honest status page built from incident files kept in git."""

__version__ = "0.1.0.dev0"
