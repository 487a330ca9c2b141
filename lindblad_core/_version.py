"""The version of the package (keys the result cache together with its sources)."""

__version__ = "0.1.0"
