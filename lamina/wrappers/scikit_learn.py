"""tf.keras 2's scikit-learn wrappers: `KerasClassifier` and `KerasRegressor`.

As `tf.keras.wrappers.scikit_learn`, which the book uses:
`KerasRegressor(build_fn=build_model, epochs=..., **sk_params)`. Each of
`sk_params` goes to whichever of `build_fn`, `fit`, `predict` and `evaluate`
takes an argument of that name; `fit` returns the History, as in tf.keras 2.
Models pickle as `.lamina` file bytes.
"""
from __future__ import annotations

import copy
import inspect
from typing import Any, Callable

import numpy as np

from lamina.models import Model
from lamina.wrappers import _model_io as model_io
from lamina.wrappers import _routing as routing
from lamina.wrappers import _targets as targets
from lamina.wrappers._sklearn_compat import (BaseEstimator, ClassifierMixin, RegressorMixin,
                                             require_sklearn)

_MODEL_METHODS = (Model.fit, Model.predict, Model.evaluate)


def _takes(fn: Callable, name: str) -> bool:
    names, _ = routing.accepted_arguments(fn)
    return name in names


class BaseWrapper(BaseEstimator):
    """tf.keras 2's `BaseWrapper(build_fn=None, **sk_params)`.

    Args:
        build_fn: a function (or callable object) that returns a compiled model.
        **sk_params: arguments of `build_fn`, `Model.fit` (`epochs`,
            `batch_size`, ...), `Model.predict` and `Model.evaluate`.
    """

    def __init__(self, build_fn: Callable | None = None, **sk_params: Any):
        require_sklearn(type(self).__name__)
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_target(self) -> Callable:
        if self.build_fn is None:
            return self.__call__
        if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params: dict[str, Any]) -> None:
        """Raise a ValueError for a parameter that no function takes, listing the legal ones."""
        fns = [*_MODEL_METHODS, self._build_target()]
        for name in params:
            if name != "nb_epoch" and not any(_takes(fn, name) for fn in fns):
                build_args, _ = routing.accepted_arguments(self._build_target())
                fit_args, _ = routing.accepted_arguments(Model.fit)
                raise ValueError(
                    f"{name!r} is not a legal parameter of {type(self).__name__}: neither "
                    f"build_fn nor Model.fit/predict/evaluate takes it. build_fn takes "
                    f"{[a for a in build_args if a != 'self'] or 'no arguments'}; fit takes "
                    f"{[a for a in fit_args if a not in ('self', 'x', 'y')]}.")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """`sk_params` and `build_fn`, as scikit-learn reads them."""
        return {**self.sk_params, "build_fn": self.build_fn}

    def set_params(self, **params: Any) -> "BaseWrapper":
        """Update `sk_params` (checked as in the constructor)."""
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn: Callable, override: dict[str, Any] | None = None
                         ) -> dict[str, Any]:
        """The `sk_params` that `fn` takes, updated with `override`."""
        res = {k: v for k, v in self.sk_params.items() if _takes(fn, k)}
        res.update(override or {})
        return res

    def fit(self, x: Any, y: Any, **kwargs: Any) -> Any:
        """Build the model with `build_fn` and train it; returns the History."""
        target = self._build_target()
        self.model = routing.call_model_fn(target, self.filter_sk_params(target),
                                           type(self).__name__, prefix="")
        routing.check_compiled(self.model, type(self).__name__, "build_fn")
        y = np.asarray(y)
        if "categorical_crossentropy" == targets._loss_name(self.model.loss) and y.ndim != 2:
            y = np.eye(int(y.max()) + 1, dtype=np.float32)[y.astype(int)]
        fit_args = copy.deepcopy(self.filter_sk_params(Model.fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if model_io.is_model(state.get("model")):
            state["model"] = model_io.ModelFile(model_io.model_to_bytes(state["model"]))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if isinstance(state.get("model"), model_io.ModelFile):
            state["model"] = model_io.model_from_bytes(bytes(state["model"]))
        self.__dict__.update(state)

    def __sklearn_is_fitted__(self) -> bool:
        return model_io.is_model(getattr(self, "model", None))


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """tf.keras 2's `KerasClassifier(build_fn=None, **sk_params)`.

    Labels are mapped to indices into `classes_` (one-hot targets to `arange(k)`);
    `score` is the model's accuracy metric, so compile with `metrics=["accuracy"]`.

    Example:
        >>> import numpy as np, lamina as keras
        >>> from lamina.wrappers.scikit_learn import KerasClassifier
        >>> def build_model(n_hidden=4):
        ...     model = keras.Sequential([keras.layers.Input((2,)),
        ...                               keras.layers.Dense(n_hidden, activation="relu"),
        ...                               keras.layers.Dense(1, activation="sigmoid")])
        ...     model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
        >>> clf = KerasClassifier(build_fn=build_model, n_hidden=3, epochs=2, verbose=0)
        >>> history = clf.fit(X, y)
        >>> len(history.history["loss"]), clf.predict(X[:4]).shape
        (2, (4,))
    """

    def fit(self, x: Any, y: Any, **kwargs: Any) -> Any:
        y = np.array(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (y.ndim == 2 and y.shape[1] == 1) or y.ndim == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}. Pass labels of shape (n,) or "
                             f"(n, 1), or one-hot rows of shape (n, k).")
        self.n_classes_ = len(self.classes_)
        return super().fit(x, y, **kwargs)

    def predict(self, x: Any, **kwargs: Any) -> np.ndarray:
        """The predicted class labels, shape `(n,)`."""
        proba = np.asarray(self.model.predict(x, **self.filter_sk_params(Model.predict, kwargs)))
        classes = proba.argmax(axis=-1) if proba.shape[-1] > 1 \
            else (proba[:, 0] > 0.5).astype("int32")
        return self.classes_[classes]

    def predict_proba(self, x: Any, **kwargs: Any) -> np.ndarray:
        """Class probabilities, shape `(n, n_classes)` (`[1 - p, p]` for a sigmoid output)."""
        out = self.model.predict(x, **self.filter_sk_params(Model.predict, kwargs))
        return targets.probabilities(np.asarray(out))

    def score(self, x: Any, y: Any, **kwargs: Any) -> float:
        """The model's accuracy on `(x, y)`, from `evaluate`."""
        y = np.searchsorted(self.classes_, np.asarray(y))
        if targets._loss_name(self.model.loss) == "categorical_crossentropy" and y.ndim != 2:
            y = np.eye(self.n_classes_, dtype=np.float32)[y]
        outputs = self.model.evaluate(x, y, **self.filter_sk_params(Model.evaluate, kwargs))
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, value in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc"):
                return float(value)
        raise ValueError(f"The model is not configured to compute accuracy (its metrics are "
                         f"{self.model.metrics_names}). Pass metrics=['accuracy'] to "
                         f"model.compile() in build_fn.")


class KerasRegressor(RegressorMixin, BaseWrapper):
    """tf.keras 2's `KerasRegressor(build_fn=None, **sk_params)`.

    `predict` squeezes a one-unit output to shape `(n,)`; `score` is minus the loss.

    Example:
        >>> import numpy as np, lamina as keras
        >>> from lamina.wrappers.scikit_learn import KerasRegressor
        >>> def build_model(learning_rate=3e-3):
        ...     model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
        ...     model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate))
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(30, 3)); y = X @ [1.0, 2.0, 3.0]
        >>> reg = KerasRegressor(build_model, learning_rate=0.01, epochs=1, verbose=0)
        >>> _ = reg.fit(X, y)
        >>> reg.predict(X[:2]).shape, reg.score(X, y) < 0
        ((2,), True)
    """

    def predict(self, x: Any, **kwargs: Any) -> np.ndarray:
        """Predictions, squeezed to `(n,)` for a one-unit output."""
        out = np.asarray(self.model.predict(x, **self.filter_sk_params(Model.predict, kwargs)))
        return np.squeeze(out, axis=-1) if out.ndim == 2 and out.shape[1] == 1 else out

    def score(self, x: Any, y: Any, **kwargs: Any) -> float:
        """Minus the model's loss on `(x, y)` (greater is better, as scikit-learn wants)."""
        loss = self.model.evaluate(x, y, **self.filter_sk_params(Model.evaluate, kwargs))
        return -float(loss[0] if isinstance(loss, list) else loss)
