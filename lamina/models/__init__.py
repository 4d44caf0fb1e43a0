"""Models, as `keras.models`."""
from lamina.models.functional import Functional, functional_from_config
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.saving import load_model, model_from_config, model_from_json

__all__ = ["Functional", "Model", "Sequential", "functional_from_config", "load_model",
           "model_from_config", "model_from_json"]
