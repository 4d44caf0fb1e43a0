"""Weights and training state as named tensors, and back into a model.

Weights are stored by Variable path (`dense/kernel`); the optimizer state by the
key path of each leaf in its optax pytree (`optimizer.inner_state[0].mu['dense/kernel']`),
next to `training/step`, `training/rng` (the Dropout key) and `training/seed` (the
shuffle seed).
"""
from __future__ import annotations

import json
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.variable import unique_paths

WEIGHTS_FORMAT = "lamina.weights"
_OPT_PREFIX = "optimizer"


def weight_keys(model: Any) -> list[str]:
    """The file keys of `model.weights`, in order: their paths, numbered if repeated.

    Example:
        >>> import lamina as keras
        >>> keras.layers.clear_session()
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> weight_keys(model)
        ['dense/kernel', 'dense/bias']
    """
    return unique_paths(model.weights)


def weights_to_tensors(model: Any) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """`({name: array}, metadata)` for the weights file; metadata records the order."""
    keys = weight_keys(model)
    tensors = {k: np.asarray(v.numpy()) for k, v in zip(keys, model.weights)}
    return tensors, {"format": WEIGHTS_FORMAT, "names": json.dumps(keys)}


def _kind(dtype: Any) -> str:
    """'float', 'int' or 'bool': dtypes of one kind convert into each other exactly enough."""
    if jnp.issubdtype(dtype, jnp.floating):
        return "float"
    return "bool" if jnp.issubdtype(dtype, jnp.bool_) else "int"


def match_weights(model: Any, declared: dict[str, tuple[tuple, Any]], metadata: dict[str, str],
                  where: str, skip_mismatch: bool = False) -> list[tuple[Any, str]]:
    """Pair `model`'s weights with a file's tensors by name, from the shapes and dtypes
    the file declares (before any tensor data is read).

    When no name matches but the file holds exactly as many weights as the model
    (a subclassed model rebuilt in a session where its layers got other names), the
    weights are matched by position instead. Mismatches are reported layer by layer;
    `skip_mismatch=True` leaves those weights as they are, with a warning.

    Args:
        model: a built model.
        declared: `{file key: (shape, dtype)}`.
        metadata: the file's metadata (its `names` give the order of the weights).
        where: how messages name the file.
        skip_mismatch: warn and skip instead of raising.

    Returns:
        `(variable, file key)` pairs to assign.

    Raises:
        ValueError: missing, extra, mis-shaped or mis-typed weights (without
            `skip_mismatch`).
    """
    if not model.built:
        raise ValueError(f"Cannot load weights into model '{model.name}': it is not built, so "
                         "its weights do not exist yet. Call it on a batch of data, or "
                         "build it with model.build((None, features)), before load_weights.")
    variables = model.weights
    keys = weight_keys(model)
    order = _file_order(metadata, declared)
    if not set(keys) & set(declared) and len(order) == len(keys) and keys:
        pairs = list(zip(keys, order))  # by position
    else:
        pairs = [(k, k) for k in keys]
    problems: dict[str, list[str]] = {}
    matched: set[str] = set()
    out = []
    for (key, file_key), v in zip(pairs, variables):
        layer = key.split("/")[0]
        if file_key not in declared:
            problems.setdefault(layer, []).append(f"weight '{key}' {v.shape} is missing "
                                                  "from the file")
            continue
        matched.add(file_key)
        shape, dtype = declared[file_key]
        if tuple(shape) != v.shape:
            problems.setdefault(layer, []).append(
                f"weight '{key}' has shape {v.shape} in the model but {tuple(shape)} "
                "in the file")
            continue
        if _kind(dtype) != _kind(v.dtype):
            problems.setdefault(layer, []).append(
                f"weight '{key}' is {np.dtype(v.dtype).name} in the model but "
                f"{np.dtype(dtype).name} in the file")
            continue
        out.append((v, file_key))
    extra = sorted(set(declared) - matched)
    if extra:
        problems.setdefault("(file)", []).append(f"the file also holds weights the model "
                                                 f"lacks: {extra[:10]}")
    if problems:
        report = "; ".join(f"layer '{layer}': " + ", ".join(items)
                           for layer, items in problems.items())
        if not skip_mismatch:
            raise ValueError(f"The weights in {where} do not fit model '{model.name}': "
                             f"{report}. Check that the model is built like the one that was "
                             "saved, or pass skip_mismatch=True to load only the weights "
                             "that fit.")
        warnings.warn(f"Skipped weights that do not fit model '{model.name}' in {where}: "
                      f"{report}.", stacklevel=3)
    return out


def set_weights(pairs: list[tuple[Any, str]], tensors: dict[str, np.ndarray]) -> None:
    """Assign each paired Variable its tensor (from `match_weights`)."""
    for v, key in pairs:
        v.assign(np.asarray(tensors[key], dtype=v.dtype))


def assign_weights(model: Any, tensors: dict[str, np.ndarray], metadata: dict[str, str],
                   where: str, skip_mismatch: bool = False) -> None:
    """Set `model`'s weights from a file's tensors, matched by name (see
    `match_weights`).

    Raises:
        ValueError: missing, extra or mis-shaped weights (without `skip_mismatch`).
    """
    declared = {k: (tuple(a.shape), a.dtype) for k, a in tensors.items()}
    set_weights(match_weights(model, declared, metadata, where, skip_mismatch), tensors)


def _file_order(metadata: dict[str, str], tensors: dict[str, Any]) -> list[str]:
    try:
        names = json.loads(metadata.get("names", "null"))
    except (ValueError, RecursionError, TypeError):
        names = None
    if isinstance(names, list) and sorted(map(str, names)) == sorted(tensors):
        return [str(n) for n in names]
    return sorted(tensors)


def training_to_tensors(model: Any) -> dict[str, np.ndarray]:
    """The optimizer state, step, rng key and shuffle seed as named arrays."""
    holder = getattr(model, "_train", None)
    state = None if holder is None else holder.state
    if state is None:
        return {"training/step": np.asarray(0, dtype=np.int64)}
    out: dict[str, np.ndarray] = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(state.optimizer)[0]:
        out[_OPT_PREFIX + jax.tree_util.keystr(path)] = np.asarray(leaf)
    out["training/step"] = np.asarray(int(np.asarray(state.step)), dtype=np.int64)
    out["training/rng"] = np.asarray(state.rng, dtype=np.uint32)
    if holder.seed is not None:
        out["training/seed"] = np.asarray(int(holder.seed), dtype=np.int64)
    return out


def _expected_training(model: Any) -> dict[str, tuple]:
    """The shape of every entry the optimizer member may hold, for this model."""
    state = model._train_state()
    expected: dict[str, tuple] = {"training/step": (), "training/rng": (2,),
                                  "training/seed": ()}
    for path, leaf in jax.tree_util.tree_flatten_with_path(state.optimizer)[0]:
        expected[_OPT_PREFIX + jax.tree_util.keystr(path)] = tuple(np.shape(leaf))
    return expected


def check_training(model: Any, declared: dict[str, tuple[tuple, Any]], where: str) -> None:
    """Refuse an optimizer member whose entries this compiled model's training state
    does not have, or has in another shape, before its data is read.

    Raises:
        ValueError: an unknown entry, or one of the wrong shape or kind.
    """
    expected = _expected_training(model)
    declared = _by_path(declared, model._train.trainable_keys, expected)
    extra = sorted(set(declared) - set(expected))
    if extra:
        raise ValueError(f"{where} does not match the optimizer: the file holds state "
                         f"entries this optimizer lacks: {extra[:10]}. The model or optimizer "
                         "differs from the one saved (or the file is damaged); load with "
                         "compile=False and compile again.")
    for key, (shape, dtype) in declared.items():
        if tuple(shape) != expected[key] or (key.startswith("training/") and
                                             _kind(dtype) != "int"):
            raise ValueError(f"{where} does not match the optimizer: the state entry '{key}' "
                             f"is {np.dtype(dtype).name}{list(shape)} in the file but has "
                             f"shape {list(expected[key])} for this model. Load with "
                             "compile=False and compile again.")


def restore_training(model: Any, tensors: dict[str, np.ndarray], where: str) -> None:
    """Refill the optimizer state, step, rng key and seed of a compiled, built model.

    The state's structure comes from the model's fresh training state; each
    optimizer leaf is then read from the file by its key path.
    """
    check_training(model, {k: (tuple(np.shape(v)), np.asarray(v).dtype)
                           for k, v in tensors.items()}, where)
    state = model._train_state()
    holder = model._train
    if "training/step" in tensors:
        step = int(tensors["training/step"])
        if not 0 <= step < 2**31:
            raise ValueError(f"{where} is damaged: training/step is {step}, not a step count "
                             "between 0 and 2**31.")
        state = state._replace(step=np.int32(step))
    if "training/rng" in tensors:
        state = state._replace(rng=np.asarray(tensors["training/rng"]).astype(np.uint32))
    if "training/seed" in tensors:
        holder.seed = int(tensors["training/seed"])
    tensors = _by_path(tensors, holder.trainable_keys, _expected_training(model))
    opt_keys = [k for k in tensors if k.startswith(_OPT_PREFIX)]
    if opt_keys:
        state = state._replace(optimizer=_optimizer_state(state.optimizer, tensors,
                                                          opt_keys, where))
    holder.set_state(state)


def _by_path(tensors: dict[str, Any], keys: list[str], known: Any = ()) -> dict[str, Any]:
    """Files written before the state was keyed by Variable path name optimizer leaves
    by the weight's position (`mu[3]`); rename them by path (names in `known`, the
    current state's own, stay).

    Example:
        >>> _by_path({"optimizer.mu[1]": 0, "training/step": 4}, ["d/kernel", "d/bias"])
        {"optimizer.mu['d/bias']": 0, 'training/step': 4}
    """
    out = {}
    for name, value in tensors.items():
        new = name
        for i, key in enumerate(keys if name not in known else ()):
            old = f"[{i}]"
            if name.startswith(_OPT_PREFIX) and name.endswith(old):
                new = name[: -len(old)] + f"[{key!r}]"
                break
        out.setdefault(new, value)
    return out


def _optimizer_state(template: Any, tensors: dict[str, np.ndarray], opt_keys: list[str],
                     where: str) -> Any:
    paths, treedef = jax.tree_util.tree_flatten_with_path(template)
    leaves = []
    for path, leaf in paths:
        key = _OPT_PREFIX + jax.tree_util.keystr(path)
        if key not in tensors:
            raise ValueError(f"{where} does not match the optimizer: the state entry '{key}' "
                             "is missing. The model or optimizer differs from the one "
                             "saved; load with compile=False and compile again.")
        value = tensors[key]
        if tuple(value.shape) != tuple(np.shape(leaf)):
            raise ValueError(f"{where} does not match the optimizer: the state entry '{key}' "
                             f"has shape {tuple(value.shape)} in the file but "
                             f"{tuple(np.shape(leaf))} for this model.")
        leaves.append(jnp.asarray(value, dtype=jnp.asarray(leaf).dtype))
    if len(paths) != len(opt_keys):
        extra = sorted(set(opt_keys) - {_OPT_PREFIX + jax.tree_util.keystr(p)
                                         for p, _ in paths})
        if not extra:
            return jax.tree_util.tree_unflatten(treedef, leaves)
        raise ValueError(f"{where} does not match the optimizer: the file holds state "
                         f"entries this optimizer lacks: {extra[:10]}.")
    return jax.tree_util.tree_unflatten(treedef, leaves)
