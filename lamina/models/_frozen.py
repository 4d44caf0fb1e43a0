"""`trainable` changed after `compile`: the change applies at the next `compile`.

As in Keras, `compile` fixes which weights a model trains. A GAN relies on it: the
discriminator is compiled, then frozen (`trainable = False`) inside a combined model
compiled after, and its own `train_on_batch` still trains it. The same change on a
model that no later-compiled model contains is likely a mistake (freezing a base
for fine-tuning without compiling again): the first training call after it warns,
once per model.
"""
from __future__ import annotations

import warnings
from typing import Any

from lamina.layers._layer_weights import TRAINABLE_CHANGES


def mark_parts(model: Any) -> None:
    """At `compile`: the compiled models inside `model` are frozen or not by it, so a
    change of their flag since their own compile is the GAN idiom, not a mistake."""
    for layer in model._flat_layers():
        if layer.__dict__.get("_compile_config") is not None:
            layer.__dict__["_inside_compiled"] = True


def check_trainable_unchanged(model: Any, what: str) -> None:
    """Warn once when `model`'s trainable weights differ from those it was compiled
    with. Costs an integer comparison unless a `trainable` flag was set since."""
    seen = TRAINABLE_CHANGES[0]
    if model.__dict__.get("_trainable_seen") == seen:
        return
    model.__dict__["_trainable_seen"] = seen
    snapshot = model.__dict__.get("_compiled_weights")
    if snapshot is None or model.__dict__.get("_trainable_warned") \
            or model.__dict__.get("_inside_compiled"):
        return
    then = [id(v) for v in snapshot.trainable]
    now = [id(v) for v in model.trainable_weights]
    if then == now or sorted(then + [id(v) for v in snapshot.non_trainable]) != \
            sorted(now + [id(v) for v in model.non_trainable_weights]):
        return  # unchanged, or the model gained weights (compile takes the new lists)
    model.__dict__["_trainable_warned"] = True
    warnings.warn(
        f"Model '{model.name}' was compiled with {len(then)} trainable weights but now "
        f"has {len(now)}: a `trainable` flag changed after compile(). As in Keras, the "
        f"change applies at the next compile(), so {what}() still trains the "
        f"{len(then)} weights of compile time. Call model.compile(...) again to apply "
        "it. (A GAN's discriminator frozen only inside a combined model compiled after "
        "the change is the intended use: that one is not warned about.)", stacklevel=3)
