"""The model-file methods of `Model` (`save`, `save_weights`, `load_weights`)."""
from __future__ import annotations


class Saveable:
    """Mixin of `Model` holding the methods that read and write model files."""
