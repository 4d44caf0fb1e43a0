"""Which models can train as one vectorized program, and what differs between them.

K models train as one program when they are copies of one architecture: the same
layers, weights of the same shapes, the same loss and metrics, and the same kind of
optimizer. What may differ is what the compiled step can take as numbers: the
initial weights and random keys (seeds), the optimizer's numeric hyperparameters
(learning rate, weight decay, momentum, ...; they live in each model's optimizer
state), and float settings of layers (a Dropout `rate`, the `l1`/`l2` factors of a
weight regularizer), which `LayerField`s name so the step can read them as arrays.
Anything else that differs changes the program itself (units, layers, activations)
and needs an ordinary search: one fit per setting.
"""
from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import jax

from lamina.layers._random_layer import RandomLayer

SEARCH_HINT = ("Hyperparameters that change shapes or structure (units, filters, layers, "
               "activations) cannot be trained as one vectorized program: run an ordinary "
               "search over them (a loop of fits, or lamina.tuner), and vectorize only seeds "
               "and continuous hyperparameters (learning rate, weight decay, L1/L2 factors, "
               "dropout rates).")

REGULARIZER_FACTORS = ("l1", "l2")
# The float settings of random layers that their step reads as they are (Dropout's
# `rate`, GaussianNoise's `stddev`); other float layer settings may be copied or used
# on the host, so they are not taken as traced values.
RANDOM_SETTINGS = ("rate", "stddev")


class LayerField(NamedTuple):
    """A float setting of a layer that differs between the models.

    Attributes:
        layer: the index of the layer in `model.layers`.
        attribute: the layer's attribute (`rate`, or `kernel_regularizer` for a factor).
        factor: None for a plain attribute, else the regularizer's factor (`l1`, `l2`).
        values: the setting in each model, in order.
    """

    layer: int
    attribute: str
    factor: str | None
    values: tuple

    @property
    def label(self) -> str:
        return self.attribute if self.factor is None else f"{self.attribute}.{self.factor}"


def _is_float(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _differs(what: str, k: int, a: Any, b: Any) -> ValueError:
    return ValueError(f"Model {k} differs from model 0 in {what}: {b!r} against {a!r}. "
                      + SEARCH_HINT)


def _check_weights(models: list, k: int) -> None:
    first, model = models[0], models[k]
    for kind in ("trainable_weights", "non_trainable_weights"):
        a, b = getattr(first, kind), getattr(model, kind)
        if len(a) != len(b):
            raise _differs(f"its number of {kind.replace('_', ' ')}", k, len(a), len(b))
        for va, vb in zip(a, b):
            if tuple(va.shape) != tuple(vb.shape) or str(va.dtype) != str(vb.dtype):
                raise _differs(f"the shape of weight '{vb.name}' (model 0: '{va.name}')", k,
                               (tuple(va.shape), str(va.dtype)),
                               (tuple(vb.shape), str(vb.dtype)))


def _layer_fields(models: list) -> list[LayerField]:
    """The float layer settings that differ; anything else that differs is an error."""
    layers = [list(m.layers) for m in models]
    fields: dict[tuple, list] = {}
    for k in range(1, len(models)):
        if len(layers[k]) != len(layers[0]):
            raise _differs("its number of layers", k, len(layers[0]), len(layers[k]))
        for i, (la, lb) in enumerate(zip(layers[0], layers[k])):
            if type(la) is not type(lb):
                raise _differs(f"layer {i}", k, type(la).__name__, type(lb).__name__)
            ca, cb = la.get_config(), lb.get_config()
            for key in sorted(set(ca) | set(cb)):
                if key == "name" or ca.get(key) == cb.get(key):
                    continue
                va, vb = ca.get(key), cb.get(key)
                where = f"layer {i} ({type(lb).__name__} '{lb.name}') argument `{key}`"
                if _is_float(va) and _is_float(vb) and isinstance(la, RandomLayer) and \
                        key in RANDOM_SETTINGS and _is_float(getattr(la, key, None)):
                    fields.setdefault((i, key, None), [])
                elif isinstance(va, dict) and isinstance(vb, dict) and \
                        key.endswith("_regularizer") and any(
                            w.regularizer is getattr(la, key, None) for w in la.weights):
                    for factor in _regularizer_factors(where, k, va, vb):
                        fields.setdefault((i, key, factor), [])
                else:
                    raise _differs(where, k, va, vb)
    out = []
    for (i, key, factor) in fields:
        values = []
        for m in models:
            value = getattr(m.layers[i], key)
            values.append(float(value if factor is None else getattr(value, factor)))
        out.append(LayerField(i, key, factor, tuple(values)))
    return out


def _regularizer_factors(where: str, k: int, a: dict, b: dict) -> list[str]:
    """The factors of two regularizer configs that differ (`l1`, `l2`)."""
    if a.get("class_name") != b.get("class_name") or \
            set(a.get("config", {})) != set(b.get("config", {})) or \
            not set(a.get("config", {})) <= set(REGULARIZER_FACTORS):
        raise _differs(where + " (only the l1/l2 factors of one kind of L1, L2 or L1L2 "
                       "regularizer may differ)", k, a, b)
    return [f for f in REGULARIZER_FACTORS if a["config"].get(f) != b["config"].get(f)]


def _check_compile(models: list, k: int) -> None:
    first, model = models[0], models[k]
    for key in ("loss", "metrics", "loss_weights", "weighted_metrics"):
        a, b = first._compile_config.get(key), model._compile_config.get(key)
        if not _same_setting(a, b):
            raise _differs(f"compile(..., {key}=...)", k, a, b)
    ca, cb = first.optimizer.get_config(), model.optimizer.get_config()
    if type(first.optimizer) is not type(model.optimizer):
        raise _differs("its optimizer", k, type(first.optimizer).__name__,
                       type(model.optimizer).__name__)
    numeric = set(first._train.current().optimizer.hyperparams)
    for key in sorted(set(ca) | set(cb)):
        if key == "name" or ca.get(key) == cb.get(key):
            continue
        if key in numeric and _is_float(ca.get(key)) and _is_float(cb.get(key)):
            continue
        raise _differs(f"optimizer argument `{key}` (only numeric hyperparameters "
                       f"{sorted(numeric)} may differ; set the others alike, e.g. "
                       "weight_decay=0.0 rather than None)", k, ca.get(key), cb.get(key))


def _same_setting(a: Any, b: Any) -> bool:
    """Compile settings compare by value for identifiers, by class and config for
    objects (two `BinaryAccuracy()` objects are the same setting)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_setting(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_setting(a[x], b[x]) for x in a)
    if type(a) is not type(b):
        return False
    if hasattr(a, "get_config"):
        try:
            return a.get_config() == b.get_config()
        except (TypeError, NotImplementedError):
            return a is b
    try:
        return bool(a == b)
    except Exception:  # arrays and other objects without a plain equality
        return a is b


def check_group(models: list) -> list[LayerField]:
    """Check that `models` can train as one program; return the layer settings that
    differ (the optimizer's numeric hyperparameters need nothing: each model's state
    holds its own).

    Raises:
        ValueError: a model differs in anything that changes the program; the message
            names it and says to use an ordinary search for it.
    """
    for k in range(1, len(models)):
        _check_weights(models, k)
        _check_compile(models, k)
    states = [m._train.current() for m in models]
    opt = [jax.tree.structure(s.optimizer) for s in states]
    for k in range(1, len(models)):
        if len(jax.tree.leaves(states[k].optimizer)) != len(jax.tree.leaves(states[0].optimizer)) \
                or opt[k].num_nodes != opt[0].num_nodes:
            raise _differs("the structure of its optimizer state", k, opt[0], opt[k])
    return _layer_fields(models)
