"""Keras's two HDF5 weight layouts, read into a Lamina model.

- Keras 2 and tf.keras 2 (`save_weights("w.h5")`, and `model_weights` inside a whole
  model's `.h5`): the root attribute `layer_names` lists the layers; each layer's group
  has the attribute `weight_names` (`dense/kernel:0`, ...) naming its datasets. Weights
  go to the model's layers that have weights, in order (or by layer name with
  `by_name=True`), as Keras does; inside a layer by weight name (`kernel`, `gamma`)
  when the names match, else in Keras's order (trainable weights first).
- Keras 3 (`.weights.h5`, and `model.weights.h5` inside a `.keras` archive): each
  layer's variables are the datasets `0`, `1`, ... of a group `layers/<path>/vars`,
  where the path comes from the layer's class (`dense`, `dense_1`, ...) in the order
  of `model.layers`, and the group's attribute `name` is the layer's name.
"""
from __future__ import annotations

import re
import warnings
from typing import Any, NamedTuple

import numpy as np

from lamina.saving import _h5_read as h5


class FileLayer(NamedTuple):
    """One layer's weights in a file: its group, its Keras name and its arrays with
    their short names (`kernel`; the index in Keras 3's layout)."""
    key: str
    name: str
    weights: list[tuple[str, np.ndarray]]


def is_legacy(group: Any, where: str) -> bool:
    """Whether `group` holds Keras 2's layout (a `layer_names` attribute)."""
    return h5.string_list(group, "layer_names", where) is not None


def read_legacy(group: Any, where: str) -> list[FileLayer]:
    """The layers of Keras 2's layout, in the file's order (see the module docstring)."""
    names = h5.string_list(group, "layer_names", where)
    if names is None:
        raise ValueError(f"{where} is not a Keras weights file: it has no 'layer_names' "
                         "attribute.")
    out = []
    for name in names:
        layer_group = h5.child(group, name, where)
        weight_names = h5.string_list(layer_group, "weight_names", where) or []
        arrays = [(_short(w), h5.read_array(layer_group, w, where)) for w in weight_names]
        out.append(FileLayer(name, name, arrays))
    return out


def read_keras3(root: Any, where: str) -> list[FileLayer]:
    """The layers of Keras 3's layout: every `.../vars` group below `layers/`."""
    if "layers" not in h5.members(root, where):
        raise ValueError(f"{where} is not a Keras weights file: it has neither the "
                         "'layer_names' attribute of Keras 2 nor the 'layers' group of "
                         "Keras 3.")
    out: list[FileLayer] = []

    def walk(group: Any, path: str, depth: int) -> None:
        if depth > 32:
            raise ValueError(f"{where} is refused: its groups nest deeper than any model's.")
        keys = h5.members(group, where)
        if "vars" in keys:
            var_group = h5.child(group, "vars", where)
            indices = h5.members(var_group, where)
            if not all(k.isdigit() for k in indices):
                raise ValueError(f"{where} is corrupted: '{var_group.name}' holds {indices}, "
                                 "not the numbered variables of Keras 3's layout.")
            arrays = [(k, h5.read_array(var_group, k, where))
                      for k in sorted(indices, key=int)]
            name = h5.text_attribute(var_group, "name", where) or path.rsplit("/", 1)[-1]
            out.append(FileLayer(path, name, arrays))
        for key in keys:
            if key != "vars":
                walk(h5.child(group, key, where), f"{path}/{key}", depth + 1)

    walk(h5.child(root, "layers", where), "layers", 0)
    return out


# -- the model's side ------------------------------------------------------------------
def _short(weight_name: str) -> str:
    """`dense/kernel:0` -> `kernel`."""
    return weight_name.rsplit("/", 1)[-1].split(":")[0]


def snake_case(name: str) -> str:
    """A class name as Keras 3 names its group (`BatchNormalization` ->
    `batch_normalization`).

    Example:
        >>> snake_case("BatchNormalization"), snake_case("PReLU")
        ('batch_normalization', 'p_re_lu')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _is_graph_model(layer: Any) -> bool:
    return any(c.__name__ in ("Sequential", "Functional") for c in type(layer).__mro__)


def keras3_paths(model: Any, layers: list[Any] | None = None) -> dict[str, Any]:
    """`{group path: layer}` as Keras 3 names the layers of `model` in its files.

    Args:
        model: a Sequential or functional model.
        layers: the layers in Keras's order when it differs from `model.layers`
            (a whole-model file lists them in its config).

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3),
        ...                           keras.layers.Dense(1)])
        >>> sorted(keras3_paths(model))
        ['layers/dense', 'layers/dense_1']
    """
    out: dict[str, Any] = {}

    def add_children(layer: Any, path: str, children: list[Any] | None) -> None:
        if children is None and _is_graph_model(layer):
            children = list(layer.layers)
        if children is not None:
            used: dict[str, int] = {}
            for item in children:
                name = snake_case(type(item).__name__)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                sub = f"{path}/layers/{name}" if path else f"layers/{name}"
                out[sub] = item
                add_children(item, sub, None)
        else:
            for attr, value in sorted(vars(layer).items()):
                if hasattr(value, "_tracked") and hasattr(value, "name") and value is not layer:
                    sub = f"{path}/{attr}" if path else attr
                    out[sub] = value
                    add_children(value, sub, None)

    add_children(model, "", layers)
    return out


def own_variables(layer: Any) -> list[Any]:
    """A layer's own Variables in Keras 3's order: those made trainable, then the rest."""
    own = layer._tracked()[0]
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _weighted_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if layer.weights]


# -- assignment ------------------------------------------------------------------------
class _Plan:
    """Weights to assign, and the problems found, reported all at once."""

    def __init__(self, where: str, model: Any, skip_mismatch: bool):
        self.where, self.model, self.skip = where, model, skip_mismatch
        self.updates: list[tuple[Any, np.ndarray]] = []
        self.problems: list[str] = []

    def layer(self, layer: Any, variables: list[Any], record: FileLayer,
              match_names: bool) -> None:
        label = f"layer '{layer.name}' (the file's '{record.key}')"
        if len(variables) != len(record.weights):
            self.problems.append(f"{label} has {len(variables)} weights in the model but "
                                 f"{len(record.weights)} in the file")
            return
        pairs = list(zip(variables, [a for _, a in record.weights]))
        if match_names:
            names = [_short(v.name) for v in variables]
            saved = {n: a for n, a in record.weights}
            if len(set(names)) == len(names) and set(names) == set(saved) \
                    and len(saved) == len(record.weights):
                pairs = [(v, saved[n]) for v, n in zip(variables, names)]
        for v, array in pairs:
            if tuple(array.shape) != tuple(v.shape):
                self.problems.append(f"{label}: weight '{v.name}' has shape {v.shape} in the "
                                     f"model but {tuple(array.shape)} in the file")
                continue
            self.updates.append((v, array))

    def finish(self) -> None:
        if self.problems:
            report = "; ".join(self.problems)
            if not self.skip:
                raise ValueError(f"The weights in {self.where} do not fit model "
                                 f"'{self.model.name}': {report}. Check that the model is "
                                 "built like the one Keras saved, or pass "
                                 "skip_mismatch=True to load only the weights that fit.")
            warnings.warn(f"Skipped weights of {self.where} that do not fit model "
                          f"'{self.model.name}': {report}.", stacklevel=4)
        for v, array in self.updates:
            v.assign(np.asarray(array, dtype=v.dtype))


def assign_legacy(model: Any, records: list[FileLayer], where: str, *, by_name: bool = False,
                  skip_mismatch: bool = False) -> None:
    """Keras 2's loading: by position over the layers that have weights, or by layer
    name (`by_name=True`, where layers absent from the file keep their weights)."""
    plan = _Plan(where, model, skip_mismatch)
    saved = [r for r in records if r.weights and r.key != "top_level_model_weights"]
    if by_name:
        by_layer = {r.name: r for r in saved}
        for layer in model.layers:
            if layer.name in by_layer and layer.weights:
                plan.layer(layer, layer.weights, by_layer[layer.name], match_names=True)
    else:
        layers = _weighted_layers(model)
        if len(layers) != len(saved):
            raise ValueError(
                f"The weights in {where} do not fit model '{model.name}': the model has "
                f"{len(layers)} layers with weights ({[l.name for l in layers]}) but the "
                f"file has {len(saved)} ({[r.name for r in saved]}). Build the model like "
                "the one Keras saved, or pass by_name=True to load the layers whose names "
                "match.")
        for layer, record in zip(layers, saved):
            plan.layer(layer, layer.weights, record, match_names=True)
    plan.finish()


def assign_keras3(model: Any, records: list[FileLayer], where: str, *,
                  layers: list[Any] | None = None, by_name: bool = False,
                  skip_mismatch: bool = False) -> None:
    """Keras 3's loading: each layer's own variables from its group, found by the path
    Keras gives it (or by the layer name the group records, with `by_name=True`)."""
    plan = _Plan(where, model, skip_mismatch)
    if by_name:
        by_layer = {r.name: r for r in records}
        targets = [(layer, by_layer.get(layer.name))
                   for layer in keras3_paths(model, layers).values()]
    else:
        by_path = {r.key: r for r in records}
        targets = [(layer, by_path.get(path))
                   for path, layer in keras3_paths(model, layers).items()]
    matched = set()
    for layer, record in targets:
        variables = own_variables(layer)
        if record is None:
            if variables and not by_name:
                plan.problems.append(f"layer '{layer.name}' has {len(variables)} weights "
                                     "but the file has no group for it")
            continue
        matched.add(record.key)
        plan.layer(layer, variables, record, match_names=False)
    extra = [r.key for r in records if r.weights and r.key not in matched]
    if extra and not by_name:
        plan.problems.append(f"the file also holds weights for {extra[:10]}, which this "
                             "model lacks")
    plan.finish()
