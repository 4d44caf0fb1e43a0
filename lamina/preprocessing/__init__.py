"""tf.keras 2's host-side preprocessing helpers, as `keras.preprocessing`."""
from lamina.preprocessing import image
from lamina.utils._image_dataset import image_dataset_from_directory

__all__ = ["image", "image_dataset_from_directory"]
