"""Testing helpers, as `keras.src.testing`: `run_layer_test` checks a layer class the
way every Lamina layer is checked (your own layers too)."""
from lamina.testing.layer_test import run_layer_test

__all__ = ["run_layer_test"]
