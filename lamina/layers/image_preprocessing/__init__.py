"""Image preprocessing and augmentation layers. The random ones act only while
training, drawing from the step's key inside the compiled program (reproducible with
`lamina.utils.set_random_seed`); at inference they pass images through (RandomCrop
resizes them)."""
from lamina.layers.image_preprocessing.center_crop import CenterCrop
from lamina.layers.image_preprocessing.random_brightness import RandomBrightness
from lamina.layers.image_preprocessing.random_contrast import RandomContrast
from lamina.layers.image_preprocessing.random_crop import RandomCrop
from lamina.layers.image_preprocessing.random_flip import RandomFlip
from lamina.layers.image_preprocessing.random_rotation import RandomRotation
from lamina.layers.image_preprocessing.random_translation import RandomTranslation
from lamina.layers.image_preprocessing.random_zoom import RandomZoom
from lamina.layers.image_preprocessing.resizing import Resizing

__all__ = ["CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing"]
