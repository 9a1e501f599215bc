"""The version of carepath, in a module of its own so that any module can read it
without importing the package and its public API."""

__version__ = "0.1.0"
