"""tf.keras 2's host-side preprocessing helpers, as `keras.preprocessing`."""
