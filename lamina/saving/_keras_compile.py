"""The compile settings of a Keras file as `model.compile` arguments.

tf.keras 2 stores them in the `training_config` attribute of a whole-model `.h5`
(`optimizer_config`, `loss`, `metrics` as lists per output, `loss_weights`); Keras 3
in the `compile_config` of `config.json`. The optimizer's hyperparameters that Lamina's
optimizer has are kept (`lr` and `decay` of Keras 2 too); the optimizer's state (its
moments and step count) is not read: training resumes with a fresh optimizer state.
"""
from __future__ import annotations

import warnings
from typing import Any, Mapping

from lamina import losses, metrics, optimizers, registry
from lamina.optimizers import schedules
from lamina.saving import _keras_config as kc

_OPTIMIZER_KEYS = ("learning_rate", "lr", "decay", "weight_decay", "clipnorm", "clipvalue",
                   "global_clipnorm")


def compile_arguments(data: Mapping[str, Any], where: str,
                      custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`model.compile` keyword arguments from tf.keras 2's `training_config` or Keras 3's
    `compile_config`.

    Raises:
        ValueError: a setting Lamina cannot reproduce (the message names it).

    Example:
        >>> args = compile_arguments({"loss": "mse", "metrics": [[{
        ...     "class_name": "MeanMetricWrapper", "config": {"name": "mae",
        ...     "fn": "mean_absolute_error"}}]], "optimizer_config": {
        ...     "class_name": "Custom>Adam", "config": {"name": "Adam",
        ...     "learning_rate": 0.01, "use_ema": False, "jit_compile": False}}}, "'m.h5'")
        >>> args["loss"], args["metrics"], float(args["optimizer"].learning_rate)
        ('mse', ['mae'], 0.01)
    """
    opt = data.get("optimizer_config", data.get("optimizer"))
    out: dict[str, Any] = {"optimizer": _optimizer(opt, where, custom_objects),
                           "loss": _objects(data.get("loss"), "loss", where, custom_objects)}
    for key in ("metrics", "weighted_metrics"):
        value = _per_output(data.get(key))
        if value is not None:
            out[key] = _objects(value, "metric", where, custom_objects)
    if data.get("loss_weights") is not None:
        out["loss_weights"] = data["loss_weights"]
    return out


def _optimizer(value: Any, where: str, custom_objects: Any) -> Any:
    if isinstance(value, str):
        return optimizers.get(value)
    if not isinstance(value, Mapping) or not isinstance(value.get("class_name"), str):
        raise ValueError(f"the optimizer is written as {str(value)[:120]!r}")
    name = value["class_name"].split(">")[-1]
    found = registry.visible_objects(custom_objects).get(name)
    cls = found if isinstance(found, type) else type(optimizers.get(name.lower()))
    config = dict(value.get("config") or {})
    config.pop("name", None)
    if not config.get("use_ema"):  # the moving average's settings mean nothing then
        config = {k: v for k, v in config.items() if not k.startswith("ema_")}
    lr = config.get("learning_rate")
    if isinstance(lr, Mapping):
        config["learning_rate"] = schedules.deserialize(
            {"class_name": lr.get("class_name"), "config": lr.get("config") or {}},
            custom_objects)
    accepted = (kc.accepted_arguments(cls) or set()) | set(_OPTIMIZER_KEYS)
    kept = {}
    for key, val in config.items():
        if key in accepted and not (key == "decay" and not val):
            kept[key] = val
        elif val not in (None, False, 0, 0.0) and key not in (
                "ema_momentum", "jit_compile", "is_legacy_optimizer"):
            raise ValueError(f"the optimizer {name} sets {key}={val!r}, which Lamina's "
                             f"{cls.__name__} does not have")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `lr`/`decay` warnings speak to code, not files
        return cls(**kept)


def _per_output(value: Any) -> Any:
    """tf.keras 2 writes metrics as one list per output; one output's list is the list."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return value[0]
    return value


def _objects(value: Any, kind: str, where: str, custom_objects: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_objects(v, kind, where, custom_objects) for v in value]
    if not isinstance(value, Mapping):
        raise ValueError(f"the {kind} is written as {str(value)[:120]!r}")
    if "class_name" not in value:  # per-output dict
        return {str(k): _objects(v, kind, where, custom_objects) for k, v in value.items()}
    name = value["class_name"]
    config = dict(value.get("config") or {})
    if name == "function":
        return str(value.get("config"))
    if name == "MeanMetricWrapper":  # a metric given by name in compile
        return str(config.get("name") or config.get("fn"))
    visible = registry.visible_objects(custom_objects)
    plain = {"class_name": name.split(">")[-1], "config": config}
    if name in visible:
        found = visible[name]
        return found.from_config(config) if isinstance(found, type) else found
    return (losses.get if kind == "loss" else metrics.get)(plain)


def restore(model: Any, data: Any, where: str, custom_objects: Any) -> None:
    """Compile `model` with the file's settings; when they cannot be reproduced the model
    stays uncompiled, with a warning saying why (as tf.keras does)."""
    if not isinstance(data, Mapping):
        return
    try:
        model.compile(**compile_arguments(data, where, custom_objects))
    except (ValueError, TypeError, KeyError) as err:
        warnings.warn(f"The model in {where} was loaded uncompiled: its compile settings "
                      f"cannot be reproduced ({err}). Call model.compile(...) before "
                      "training it.", stacklevel=4)
