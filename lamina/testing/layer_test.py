"""`run_layer_test`: the one harness every layer passes, as Keras's
`keras.src.testing.TestCase.run_layer_test`.

Each check builds a fresh layer from the same arguments, so one check cannot hide
another's bug. A failure raises `AssertionError` naming the check and what differed.
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from typing import Any, Callable, Mapping

import jax
import numpy as np

from lamina import registry, saving
from lamina import random as random_mod
from lamina.backend import _masking
from lamina.backend._tree import flatten, is_shape, map_shapes, map_structure
from lamina.layers import Input
from lamina.models import Model
from lamina.optimizers import SGD
from lamina.saving import load_model

Shape = tuple


def _random_data(shape: Shape, dtype: str, rng: np.random.Generator) -> np.ndarray:
    if np.issubdtype(np.dtype(dtype), np.integer):
        return rng.integers(0, 10, size=shape).astype(dtype)
    if np.dtype(dtype) == np.bool_:
        return rng.random(shape) > 0.5
    return rng.normal(size=shape).astype(dtype)


def _shape_of(tree: Any) -> Any:
    return map_structure(lambda a: tuple(np.shape(a)), tree)


def _close(a: Any, b: Any, what: str, tolerance: float) -> None:
    la, lb = flatten(a), flatten(b)
    _check(len(la) == len(lb), f"{what}: {len(la)} outputs against {len(lb)}")
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        _check(x.shape == y.shape, f"{what}: shapes {x.shape} and {y.shape} differ")
        if not np.allclose(x, y, rtol=tolerance, atol=tolerance, equal_nan=True):
            worst = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
            raise AssertionError(f"{what}: values differ by up to {worst:.3g} "
                                 f"(tolerance {tolerance:g}).")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def _same_shape(got: Any, expected: Any, what: str) -> None:
    _check(_normalize(got) == _normalize(expected),
           f"{what}: expected shape {expected}, but got {got}.")


def _normalize(shape: Any) -> Any:
    if is_shape(shape):
        return tuple(shape)
    if isinstance(shape, dict):
        return {k: _normalize(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        out = [_normalize(v) for v in shape]
        return out[0] if len(out) == 1 else out
    return shape


def _masks_for(data: Any, rng: np.random.Generator) -> Any:
    """A mask per input: the input's shape without its last axis, some positions off."""
    def one(x: np.ndarray) -> np.ndarray | None:
        if np.ndim(x) < 2:
            return None
        mask = rng.random(np.shape(x)[:-1]) > 0.3
        mask.reshape(mask.shape[0], -1)[:, 0] = True
        return mask

    return map_structure(one, data)


def run_layer_test(layer_cls: type, init_kwargs: Mapping[str, Any] | None = None,
                   input_shape: Any = None, *, input_dtype: str = "float32",
                   input_data: Any = None, call_kwargs: Mapping[str, Any] | None = None,
                   expected_output_shape: Any = None, expected_output_dtype: Any = None,
                   expected_output: Any = None,
                   expected_num_trainable_weights: int | None = None,
                   expected_num_non_trainable_weights: int | None = None,
                   expected_num_seed_generators: int | None = None,
                   expected_num_losses: int | None = None,
                   supports_masking: bool | None = None,
                   expected_mask_shape: Any = None,
                   custom_objects: Mapping[str, Any] | None = None,
                   run_training_check: bool = True, run_saving_check: bool = True,
                   tolerance: float = 1e-5) -> Any:
    """Check a layer class the way every Lamina layer is checked.

    With a fresh layer each time, it checks that:

    - `get_config`/`from_config` (through JSON) and `serialize_layer` /
      `deserialize_layer` rebuild the layer with the same config;
    - building creates the expected trainable and non-trainable weights (and seed
      generators), and the call adds the expected number of losses;
    - the eager output has the expected shape, dtype and values; the symbolic output
      (called on `Input` tensors) and `compute_output_shape` have the same shape;
    - `jax.jit` of `stateless_call` gives the eager output (a layer that runs on the
      host, with `host_call`, gets what `host_call` made of the inputs, as inside a
      model's compiled program);
    - masks: `supports_masking` is as declared; a layer that supports masking
      passes a mask on (or makes one of `expected_mask_shape`), eagerly and on
      symbolic inputs; one that does not drops it with a warning;
    - a short `fit` (batch 2 on 5 rows, so with a remainder batch) runs and changes
      the trainable weights;
    - a model saved to a `.lamina` file and loaded back predicts the same, and a layer
      rebuilt from its config with the same weights gives the same outputs;
    - in training mode, the same seed gives the same output (`set_random_seed`
      eagerly, the same `rng` in `stateless_call`).

    Args:
        layer_cls: the layer class.
        init_kwargs: the constructor arguments.
        input_shape: the input's full shape with the batch, e.g. `(2, 3)`; a list or
            dict of shapes for several inputs. Or give `input_data`.
        input_dtype: the dtype of generated inputs.
        input_data: the inputs themselves (arrays, or a list or dict of arrays).
        call_kwargs: extra arguments of the call.
        expected_output_shape: the output's full shape (a list for several outputs).
        expected_output_dtype: the output's dtype, if it should be checked.
        expected_output: the output's values for `input_data`, if known.
        expected_num_trainable_weights: trainable weights after building.
        expected_num_non_trainable_weights: non-trainable weights after building.
        expected_num_seed_generators: `SeedGenerator`s the layer owns.
        expected_num_losses: losses a call adds (`layer.losses` after it).
        supports_masking: whether the layer declares `supports_masking`.
        expected_mask_shape: the output mask's shape when the layer makes a mask.
        custom_objects: classes and functions to load the layer's config with.
        run_training_check: whether to fit a model made of the layer.
        run_saving_check: whether to save and load a model made of the layer.
        tolerance: the absolute and relative tolerance of value comparisons.

    Returns:
        The layer of the eager check, built and called.

    Raises:
        AssertionError: naming the check that failed and what differed.

    Example:
        >>> import jax.numpy as jnp, lamina as keras
        >>> @keras.saving.register_keras_serializable(package="Docs")
        ... class Scale(keras.layers.Layer):
        ...     def __init__(self, factor=2.0, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.factor = factor
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, inputs):
        ...         return inputs * self.w * self.factor
        ...     def get_config(self):
        ...         return {**super().get_config(), "factor": self.factor}
        >>> layer = run_layer_test(Scale, {"factor": 3.0}, input_shape=(2, 4),
        ...                        expected_output_shape=(2, 4),
        ...                        expected_num_trainable_weights=1,
        ...                        expected_num_non_trainable_weights=0,
        ...                        supports_masking=False)
        >>> layer.w.shape
        (4,)
    """
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(0)
    if input_data is None:
        if input_shape is None:
            raise ValueError("run_layer_test needs input_shape=(batch, ...) or input_data.")
        input_data = map_shapes(lambda s: _random_data(s, input_dtype, rng), input_shape)
    input_shape = _shape_of(input_data)
    make = lambda: layer_cls(**init_kwargs)  # noqa: E731

    with registry.custom_object_scope(custom_objects):
        _check_config(make, layer_cls, custom_objects)
        layer = _check_eager(make, input_data, call_kwargs, expected_output_shape,
                             expected_output_dtype, expected_output, tolerance)
        _check_weights(layer, expected_num_trainable_weights,
                       expected_num_non_trainable_weights, expected_num_seed_generators,
                       expected_num_losses)
        _check_symbolic_shapes(make, input_data, input_shape, call_kwargs, layer)
        _check_jit(layer, input_data, call_kwargs, tolerance)
        _check_masks(make, layer, input_data, call_kwargs, supports_masking,
                     expected_mask_shape, rng)
        _check_rebuilt_from_config(layer, layer_cls, input_data, call_kwargs, tolerance)
        _check_seeded(make, layer, input_data, call_kwargs, tolerance)
        if run_training_check or run_saving_check:
            _check_model(make, input_data, call_kwargs, run_training_check,
                         run_saving_check, custom_objects, tolerance)
    return layer


def _check_config(make: Callable, layer_cls: type, custom_objects: Any) -> None:
    layer = make()
    config = layer.get_config()
    text = json.dumps(config)
    copy = layer_cls.from_config(json.loads(text))
    _check(type(copy) is layer_cls, f"from_config made a {type(copy).__name__}.")
    _check(json.dumps(copy.get_config()) == text,
           f"config round trip: {json.loads(text)} became {copy.get_config()}.")
    data = json.loads(json.dumps(saving.serialize_layer(layer)))
    again = saving.deserialize_layer(data, custom_objects)
    _check(type(again) is layer_cls and json.dumps(again.get_config()) == text,
           f"serialize_layer/deserialize_layer did not rebuild {layer_cls.__name__}: "
           f"it made {type(again).__name__} with {again.get_config()}.")


def _call(layer: Any, data: Any, call_kwargs: dict, training: bool = False) -> Any:
    return layer(data, training=training, **call_kwargs)


def _check_eager(make: Callable, data: Any, call_kwargs: dict, expected_shape: Any,
                 expected_dtype: Any, expected: Any, tolerance: float) -> Any:
    layer = make()
    out = _call(layer, data, call_kwargs)
    _check(layer.built, "the layer is not marked built after its first call.")
    if expected_shape is not None:
        _same_shape(_shape_of(out), expected_shape, "eager output")
    if expected_dtype is not None:
        for leaf in flatten(out):
            _check(np.dtype(leaf.dtype) == np.dtype(expected_dtype),
                   f"eager output: expected dtype {expected_dtype}, got {leaf.dtype}.")
    if expected is not None:
        _close(out, expected, "eager output against expected_output", tolerance)
    return layer


def _check_weights(layer: Any, trainable: int | None, non_trainable: int | None,
                   seeds: int | None, losses: int | None) -> None:
    for what, expected, got in (
            ("trainable weights", trainable, len(layer.trainable_weights)),
            ("non-trainable weights", non_trainable, len(layer.non_trainable_weights)),
            ("seed generators", seeds, len(layer.seed_generators)),
            ("losses after a call", losses, len(layer.losses))):
        if expected is not None:
            _check(got == expected, f"expected {expected} {what}, but the layer has {got}.")


def _symbolic_inputs(data: Any) -> Any:
    return map_structure(lambda a: Input(shape=np.shape(a)[1:], batch_size=np.shape(a)[0],
                                         dtype=str(np.asarray(a).dtype)), data)


def _check_symbolic_shapes(make: Callable, data: Any, input_shape: Any, call_kwargs: dict,
                           eager_layer: Any) -> None:
    eager = _shape_of(_call(eager_layer, data, call_kwargs))
    symbolic = _shape_of(make()(_symbolic_inputs(data), **call_kwargs))
    _same_shape(symbolic, eager, "symbolic output (on Input tensors) against eager")
    unbatched = lambda shapes: map_shapes(lambda s: (None,) + tuple(s[1:]), shapes)  # noqa
    computed = eager_layer.compute_output_shape(unbatched(input_shape))
    _same_shape(computed, unbatched(eager), "compute_output_shape against eager")


def _check_jit(layer: Any, data: Any, call_kwargs: dict, tolerance: float) -> None:
    eager = _call(layer, data, call_kwargs)
    tv = [v.value for v in layer.trainable_weights]
    ntv = [v.value for v in layer.non_trainable_weights]
    host_call = getattr(layer, "host_call", None)
    if host_call is not None:
        # A layer that runs on the host (strings): inside a model's compiled program it
        # receives what its host_call made of the model's input (which it passes on).
        if np.asarray(eager).dtype.kind in "USO":
            return  # strings out (an inverse lookup) never enter a compiled program
        data = np.asarray(host_call(data))
    out, _ = jax.jit(lambda t, n, x: layer.stateless_call(t, n, x, **call_kwargs))(
        tv, ntv, data)
    _close(out, eager, "jax.jit(stateless_call) against the eager call", tolerance)


def _check_masks(make: Callable, layer: Any, data: Any, call_kwargs: dict,
                 supports: bool | None, expected_mask_shape: Any,
                 rng: np.random.Generator) -> None:
    if supports is not None:
        _check(bool(layer.supports_masking) == supports,
               f"supports_masking is {layer.supports_masking}, expected {supports}.")
    masks = _masks_for(data, rng)
    if all(m is None for m in flatten(masks)):
        return
    fresh = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _masking.mask_scope():
            out = fresh(data, mask=masks, **call_kwargs)
            out_mask = _masking.get_masks(out)
    if not fresh.supports_masking:
        _check(out_mask is None, "a layer without supports_masking passed a mask on.")
        _check(any("does not support masking" in str(w.message) for w in caught),
               "a layer without supports_masking dropped a mask without a warning.")
        return
    if expected_mask_shape is not None:
        _check(out_mask is not None, "the layer made no output mask.")
        _same_shape(_shape_of(out_mask), expected_mask_shape, "output mask")
    # The mask goes through the symbolic graph the same way.
    inputs = _symbolic_inputs(data)
    for tensor, mask in zip(flatten(inputs), flatten(masks)):
        if mask is not None:
            tensor._keras_mask = Input(shape=np.shape(mask)[1:], batch_size=np.shape(mask)[0],
                                       dtype="bool")
    symbolic = make()(inputs, **call_kwargs)
    symbolic_masks = [t._keras_mask for t in flatten(symbolic)]
    eager_masks = flatten(out_mask) if out_mask is not None else []
    for i, tensor in enumerate(symbolic_masks):
        eager_mask = eager_masks[i] if i < len(eager_masks) else None
        _check((tensor is None) == (eager_mask is None),
               "the symbolic call and the eager call disagree on whether there is a mask.")
        if tensor is not None:
            _same_shape(tensor.shape[1:], tuple(np.shape(eager_mask))[1:],
                        "symbolic output mask against eager")


def _check_rebuilt_from_config(layer: Any, layer_cls: type, data: Any, call_kwargs: dict,
                               tolerance: float) -> None:
    copy = layer_cls.from_config(json.loads(json.dumps(layer.get_config())))
    _call(copy, data, call_kwargs)
    copy.set_weights(layer.get_weights())
    _close(_call(copy, data, call_kwargs), _call(layer, data, call_kwargs),
           "a layer rebuilt from get_config() with the same weights", tolerance)


def _check_seeded(make: Callable, layer: Any, data: Any, call_kwargs: dict,
                  tolerance: float) -> None:
    def trained_output(seed: int) -> Any:
        random_mod.set_seed(seed)
        fresh = make()
        _call(fresh, data, call_kwargs)  # build
        fresh.set_weights(layer.get_weights())
        return _call(fresh, data, call_kwargs, training=True)

    _close(trained_output(7), trained_output(7), "training-mode output with the same seed",
           tolerance)
    tv = [v.value for v in layer.trainable_weights]
    ntv = [v.value for v in layer.non_trainable_weights]
    key = jax.random.PRNGKey(3)
    run = jax.jit(lambda k: layer.stateless_call(tv, ntv, data, training=True, rng=k,
                                                 **call_kwargs)[0])
    _close(run(key), run(key), "stateless_call in training mode with the same rng",
           tolerance)
    if layer.seed_generators:
        differ = any(not np.allclose(a, b) for a, b in zip(flatten(run(key)),
                                                          flatten(run(jax.random.PRNGKey(4)))))
        _check(differ, "a layer with seed generators gave the same training output for "
                       "two different keys.")


def _model_of(make: Callable, data: Any, call_kwargs: dict) -> Any:
    inputs = _symbolic_inputs(map_structure(lambda a: np.asarray(a)[:1], data))
    inputs = map_structure(lambda t: Input(shape=t.shape[1:], dtype=t.dtype), inputs)
    return Model(inputs, make()(inputs, **call_kwargs))


def _rows(data: Any, n: int, rng: np.random.Generator) -> Any:
    def grow(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        idx = rng.integers(0, len(a), size=n)
        return a[idx]
    return map_structure(grow, data)


def _check_model(make: Callable, data: Any, call_kwargs: dict, train: bool, save: bool,
                 custom_objects: Any, tolerance: float) -> None:
    model = _model_of(make, data, call_kwargs)
    rng = np.random.default_rng(1)
    x = _rows(data, 5, rng)
    outputs = model.predict(x, verbose=0)
    floating = all(np.issubdtype(np.asarray(o).dtype, np.floating) for o in flatten(outputs))
    if train and floating:
        y = map_structure(lambda o: rng.normal(size=np.shape(o)).astype(np.float32), outputs)
        model.compile(optimizer=SGD(0.1), loss="mse")
        before = [w.numpy() for w in model.trainable_weights]
        history = model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)
        loss = history.history["loss"][0]
        _check(np.isfinite(loss), f"fit gave a loss of {loss}.")
        after = [w.numpy() for w in model.trainable_weights]
        if before:
            _check(any(not np.array_equal(a, b) for a, b in zip(before, after)),
                   "a fit of one epoch left every trainable weight unchanged.")
    if save:
        expected = model.predict(x, verbose=0)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "layer_test.lamina")
            model.save(path)
            loaded = load_model(path, custom_objects=custom_objects)
        _close(loaded.predict(x, verbose=0), expected, "a model saved and loaded back",
               tolerance)
