"""The warning for images fed to `fit` as uint8 pixel values (0-255) to a model that does
not rescale them: training on such large inputs works poorly, and course code forgets
the `/ 255.0` often."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

# Layers after which the inputs are taken to be scaled (a Lambda may divide by 255).
_RESCALING = ("Rescaling", "Normalization", "Lambda")


def _layers_of(model: Any) -> list:
    found, todo = [], list(getattr(model, "layers", []) or [])
    while todo:
        layer = todo.pop()
        found.append(layer)
        todo.extend(getattr(layer, "layers", None) or [])
    return found


def warn_unscaled_images(model: Any, x: Any) -> None:
    """Warn once per model when `x` holds uint8 images and the model has no layer that
    rescales them (`Rescaling`, `Normalization` or a `Lambda`)."""
    if model.__dict__.get("_warned_uint8"):
        return
    arrays = list(x.values()) if isinstance(x, dict) else \
        list(x) if isinstance(x, (list, tuple)) else [x]
    images = [a for a in arrays if isinstance(a, np.ndarray) and a.dtype == np.uint8
              and a.ndim >= 3]
    if not images or any(type(layer).__name__ in _RESCALING for layer in _layers_of(model)):
        return
    model._warned_uint8 = True
    warnings.warn(f"fit() received uint8 images of shape {images[0].shape} (pixel values "
                  f"0-255), and model '{model.name}' does not rescale them; networks train "
                  "poorly on such large inputs. Divide by 255 first (x = x / 255.0), or put "
                  "keras.layers.Rescaling(1. / 255) first in the model.", stacklevel=3)
