"""The version of Lamina, written into model files."""
__version__ = "0.1.0"
