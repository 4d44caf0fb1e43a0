"""Testing helpers, as `keras.src.testing`: `run_layer_test`."""
