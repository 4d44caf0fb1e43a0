"""Routed parameters, as scikeras has them: `model__units`, `fit__epochs`, ...

A parameter named `<route>__<name>` goes to one place: `model__` to the function
that builds the model, `compile__` to `model.compile`, `optimizer__` to the
compiled optimizer, `fit__` to `model.fit`, `predict__` to `model.predict`. Being
ordinary estimator parameters, they are set by `set_params` and searched by
`GridSearchCV` like any other.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

ROUTES = ("model", "compile", "optimizer", "fit", "predict")


def is_routed(key: str) -> bool:
    """Whether `key` names a routed parameter (`model__units`, `fit__epochs`, ...).

    Example:
        >>> is_routed("model__units"), is_routed("fit__epochs"), is_routed("units")
        (True, True, False)
    """
    prefix, sep, name = key.partition("__")
    return bool(sep) and prefix in ROUTES and bool(name)


def check_routed(owner: str, keys: Any) -> None:
    """Raise a TypeError naming each key that is neither a parameter nor routed."""
    bad = sorted(k for k in keys if not is_routed(k))
    if bad:
        raise TypeError(
            f"{owner} got unexpected parameter(s) {bad}. Besides model, warm_start, "
            f"model_kwargs and fit_kwargs it takes routed parameters named "
            f"'<route>__<name>' with route one of {list(ROUTES)}: for example "
            f"model__units=32 (an argument of the model function), fit__epochs=10, "
            f"optimizer__learning_rate=0.01.")


def split(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Routed parameters grouped by route, with the prefix taken off.

    Example:
        >>> split({"model__units": 8, "fit__epochs": 3})["model"]
        {'units': 8}
    """
    out: dict[str, dict[str, Any]] = {route: {} for route in ROUTES}
    for key, value in params.items():
        prefix, _, name = key.partition("__")
        out[prefix][name] = value
    return out


def accepted_arguments(fn: Callable) -> tuple[list[str], bool]:
    """The keyword arguments `fn` accepts, and whether it takes `**kwargs` too."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return [], True
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


def call_model_fn(fn: Callable, kwargs: dict[str, Any], owner: str, *,
                  prefix: str = "model__", extra: dict[str, Any] | None = None) -> Any:
    """Call the function that builds the model with the arguments it accepts.

    `kwargs` (from `model_kwargs` and the `model__` parameters) must all be
    accepted: an unknown one raises a ValueError that names it and lists the
    function's arguments. `extra` (the data `X` and `y`) is passed only to a
    function that accepts it.
    """
    names, var_kw = accepted_arguments(fn)
    unknown = sorted(k for k in kwargs if k not in names) if not var_kw else []
    fn_name = getattr(fn, "__name__", type(fn).__name__)
    if unknown:
        shown = [prefix + k for k in unknown] if prefix else unknown
        raise ValueError(
            f"{owner}: the model function {fn_name}() does not accept {shown}. It accepts "
            f"{names or 'no arguments'}. Add the argument to {fn_name}() or fix the name "
            f"(a {prefix or ''}<name> parameter is passed to {fn_name}() as <name>).")
    given = dict(kwargs)
    for key, value in (extra or {}).items():
        if var_kw or key in names:
            given.setdefault(key, value)
    return fn(**given)


def apply_optimizer_params(model: Any, params: dict[str, Any], owner: str) -> None:
    """Recompile `model` with a copy of its optimizer that has `params` changed."""
    if not params:
        return
    optimizer = model.optimizer
    config = optimizer.get_config()
    unknown = sorted(k for k in params if k not in config)
    if unknown:
        raise ValueError(
            f"{owner}: {type(optimizer).__name__} has no parameter(s) "
            f"{['optimizer__' + k for k in unknown]}. Its parameters are "
            f"{sorted(config)}; route them as optimizer__<name>.")
    new = type(optimizer).from_config({**config, **params})
    model.compile(**{**model._compile_config, "optimizer": new})


def check_compiled(model: Any, owner: str, fn_name: str) -> None:
    """Raise when the built model cannot be trained: not a model, or no loss."""
    if not callable(getattr(model, "fit", None)):
        raise TypeError(f"{owner}: {fn_name} must return a compiled Lamina model, but it "
                        f"returned {type(model).__name__}. Return the model after "
                        f"model.compile(...).")
    config = getattr(model, "_compile_config", None)
    if config is None or config.get("loss") is None:
        state = "not compiled" if config is None else "compiled without a loss"
        raise ValueError(
            f"{owner}: the model that {fn_name} returned is {state}, and no loss was given. "
            f"Call model.compile(optimizer='adam', loss='...') before returning it, or pass "
            f"compile__loss='...' (and compile__optimizer=...) to the estimator.")
