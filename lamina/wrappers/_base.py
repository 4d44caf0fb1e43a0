"""The part that Keras 3's scikit-learn estimators share: parameters, fitting, pickling.

Differences from Keras 3.15's `SKLBase`, each a bug there: `clone` keeps
`fit_kwargs` and every routed parameter (Keras drops `fit_kwargs`, so
`cross_val_score` trains one epoch per fold); `fit` never writes into
`fit_kwargs`; `warm_start=True` continues training the fitted model; estimators
pickle, carrying their models as `.lamina` file bytes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.wrappers import _model_io as model_io
from lamina.wrappers import _routing as routing
from lamina.wrappers._sklearn_compat import BaseEstimator, require_sklearn, validate_data


class SKLBase(BaseEstimator):
    """Base of `SKLearnClassifier`, `SKLearnRegressor` and `SKLearnTransformer`.

    Args:
        model: a compiled Lamina model (copied, with fresh weights, before each fit
            unless `warm_start`), or a function that builds and compiles one. The
            function receives `X` and `y` if it takes arguments of those names, and
            `model_kwargs` plus the `model__` parameters.
        warm_start: whether a second `fit` continues training the fitted model
            instead of building a new one.
        model_kwargs: keyword arguments for the model function.
        fit_kwargs: keyword arguments for `model.fit` (`epochs`, `batch_size`, ...);
            those passed to `fit` take precedence.
        **kwargs: routed parameters `<route>__<name>`: `model__` (the model
            function's arguments), `compile__` (`model.compile`), `optimizer__`
            (the optimizer's, e.g. `optimizer__learning_rate`), `fit__` and
            `predict__` (`predict` is silent unless `predict__verbose` says).

    Attributes:
        model_: the fitted model.
        history_: its training history, a dict of lists as `History.history`.
        n_features_in_: the number of features seen in `fit`.
    """

    def __init__(self, model: Any, warm_start: bool = False,
                 model_kwargs: dict[str, Any] | None = None,
                 fit_kwargs: dict[str, Any] | None = None, **kwargs: Any):
        require_sklearn(type(self).__name__)
        routing.check_routed(type(self).__name__, kwargs)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)

    # -- parameters ---------------------------------------------------------------
    def _routed(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if routing.is_routed(k)}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters and the routed ones, as scikit-learn reads them."""
        return {**super().get_params(deep=deep), **self._routed()}

    def set_params(self, **params: Any) -> "SKLBase":
        """Set parameters; routed ones (`model__units=8`) are set or added as given."""
        routed = {k: v for k, v in params.items() if routing.is_routed(k)}
        for key, value in routed.items():
            setattr(self, key, value)
        rest = {k: v for k, v in params.items() if k not in routed}
        if rest:
            super().set_params(**rest)
        return self

    def __sklearn_clone__(self) -> "SKLBase":
        """An unfitted copy with every parameter (`fit_kwargs` and routed ones too).

        A model given as an instance is shared (each fit trains a fresh copy of
        it), except with `warm_start`, where it is copied with its weights.
        """
        from sklearn.base import clone

        params = {}
        for key, value in self.get_params(deep=False).items():
            if model_io.is_model(value):
                value = model_io.model_from_bytes(model_io.model_to_bytes(value)) \
                    if self.warm_start else value
            elif not callable(value):
                value = clone(value, safe=False)
            params[key] = value
        return type(self)(**params)

    # -- pickling through the .lamina format ------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        for key in ("model", "model_"):
            if model_io.is_model(state.get(key)):
                state[key] = model_io.ModelFile(model_io.model_to_bytes(state[key]))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for key in ("model", "model_"):
            if isinstance(state.get(key), model_io.ModelFile):
                state[key] = model_io.model_from_bytes(bytes(state[key]))
        super().__setstate__(state)

    # -- fitting --------------------------------------------------------------------
    def _build_model(self, X: Any, y: Any) -> Any:
        owner = type(self).__name__
        routes = routing.split(self._routed())
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if model_io.is_model(self.model):
            model = self.model if self.warm_start else model_io.clone_compiled(self.model)
            fn_name = "the model given"
            if self.model_kwargs or routes["model"]:
                raise ValueError(
                    f"{owner}: model_kwargs and model__ parameters "
                    f"{sorted(routes['model']) or sorted(self.model_kwargs)} need a "
                    f"function that builds the model, but model is a {type(self.model).__name__}"
                    f" instance. Pass a function that takes these arguments instead.")
        elif callable(self.model):
            kwargs = {**(self.model_kwargs or {}), **routes["model"]}
            model = routing.call_model_fn(self.model, kwargs, owner, extra={"X": X, "y": y})
            fn_name = f"{getattr(self.model, '__name__', 'model')}()"
        else:
            raise TypeError(f"{owner}: model must be a compiled Lamina model or a function "
                            f"that returns one, but received {type(self.model).__name__}.")
        if routes["compile"]:
            if not callable(getattr(model, "compile", None)):
                routing.check_compiled(model, owner, fn_name)
            model.compile(**{**(model._compile_config or {}), **routes["compile"]})
        routing.check_compiled(model, owner, fn_name)
        routing.apply_optimizer_params(model, routes["optimizer"], owner)
        return model

    def fit(self, X: Any, y: Any, **kwargs: Any) -> "SKLBase":
        """Build (or, with `warm_start`, reuse) the model and train it.

        Args:
            X: array-like or sparse matrix, shape `(n_samples, n_features)`.
            y: targets, shape `(n_samples,)` or `(n_samples, n_outputs)`.
            **kwargs: arguments of `model.fit`, over `fit_kwargs` and `fit__` ones.

        Returns:
            self.
        """
        X, y = validate_data(self, X, y, reset=True, y_numeric=self._numeric_target)
        y = self._process_target(y, reset=True)
        model = self._build_model(X, y)
        fit_kwargs = {**(self.fit_kwargs or {}), **routing.split(self._routed())["fit"],
                      **kwargs}
        history = model.fit(X, self._fit_target(model, y), **fit_kwargs)
        self.model_ = model
        self.history_ = {k: list(v) for k, v in history.history.items()}
        return self

    def _raw_predict(self, X: Any) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        kwargs = {"verbose": 0, **routing.split(self._routed())["predict"]}
        out = self.model_.predict(X, **kwargs)
        return np.asarray(out)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for `X`, in the form of the targets given to `fit`."""
        return self._reverse_process_target(self._raw_predict(X))

    # -- targets: regressors and transformers pass them through, 1-d as a column --------
    _numeric_target = True

    def _process_target(self, y: Any, reset: bool = False) -> np.ndarray:
        from sklearn.utils.multiclass import type_of_target

        type_of_target(y, raise_unknown=True)
        y = np.asarray(y)
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _fit_target(self, model: Any, y: np.ndarray) -> np.ndarray:
        return y

    def _reverse_process_target(self, out: np.ndarray) -> np.ndarray:
        if getattr(self, "_target_ndim", 2) == 1 and out.ndim == 2 and out.shape[1] == 1:
            return out[:, 0]
        return out

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        tags.input_tags.sparse = True
        return tags

