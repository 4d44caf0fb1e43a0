"""Keras 3's scikit-learn estimators: `SKLearnClassifier`, `SKLearnRegressor`,
`SKLearnTransformer` (`keras.wrappers`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.wrappers import _targets as targets
from lamina.wrappers._base import SKLBase
from lamina.wrappers._sklearn_compat import ClassifierMixin, RegressorMixin, TransformerMixin


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier that trains a Lamina model, as `keras.wrappers`'s.

    Targets may be labels of any type (strings, integers) or one-hot rows. The
    model function receives `y` one-hot encoded (as in Keras 3); the model trains
    on one-hot rows, on a 0/1 column when its output has one unit (sigmoid), or on
    class indices when its loss is a sparse one. `score` is the accuracy.

    Args: see `SKLBase`: `model`, `warm_start`, `model_kwargs`, `fit_kwargs` and
        routed parameters (`model__units`, `optimizer__learning_rate`, `fit__epochs`).

    Attributes:
        classes_: the class labels, sorted (`arange(k)` for one-hot targets).
        model_, history_, n_features_in_: see `SKLBase`.

    Example:
        >>> import numpy as np, lamina as keras
        >>> from lamina.wrappers import SKLearnClassifier
        >>> def build(X, y, units=8):
        ...     model = keras.Sequential([keras.layers.Input((X.shape[1],)),
        ...                               keras.layers.Dense(units, activation="relu"),
        ...                               keras.layers.Dense(y.shape[1], activation="softmax")])
        ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(60, 4))
        >>> y = np.where(X[:, 0] > 0, "yes", "no")
        >>> clf = SKLearnClassifier(build, model__units=4, fit__epochs=2, fit__verbose=0)
        >>> clf.fit(X, y).classes_
        array(['no', 'yes'], dtype='<U3')
        >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
        ((3,), (3, 2))
    """

    _numeric_target = False

    def _process_target(self, y: Any, reset: bool = False) -> np.ndarray:
        y = np.asarray(y)
        if reset:
            self.classes_, self._one_hot = targets.classes_of(y, type(self).__name__)
        idx = targets.indices(y, self.classes_, self._one_hot)
        return np.eye(len(self.classes_), dtype=np.float32)[idx]

    def _fit_target(self, model: Any, y: np.ndarray) -> np.ndarray:
        return targets.training_target(model, np.argmax(y, axis=1), len(self.classes_))

    def _reverse_process_target(self, out: np.ndarray) -> np.ndarray:
        proba = targets.probabilities(out)
        idx = np.argmax(proba, axis=1)
        if self._one_hot:
            return np.eye(len(self.classes_), dtype=int)[idx]
        return self.classes_[idx]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape `(n_samples, n_classes)` in the order of `classes_`."""
        return targets.probabilities(self._raw_predict(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """The model's raw outputs, as Keras 3's `decision_function`."""
        return self._raw_predict(X)

    def _more_tags(self) -> dict[str, Any]:
        return {"non_deterministic": True, "poor_score": True}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        tags.classifier_tags.multi_label = False
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor that trains a Lamina model, as `keras.wrappers`'s.

    `predict` returns shape `(n,)` when fitted on `(n,)` targets; `score` is R².

    Args: see `SKLBase`.

    Example:
        >>> import numpy as np, lamina as keras
        >>> from lamina.wrappers import SKLearnRegressor
        >>> def build(X):
        ...     model = keras.Sequential([keras.layers.Input((X.shape[1],)),
        ...                               keras.layers.Dense(1)])
        ...     model.compile(optimizer="adam", loss="mse")
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = X.sum(axis=1)
        >>> reg = SKLearnRegressor(build, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
        >>> reg.predict(X[:5]).shape, reg.n_features_in_
        ((5,), 3)
    """

    def predict(self, X: Any) -> np.ndarray:
        """Predictions in float64 (as scikit-learn's regressors give), shape `(n,)` when
        fitted on `(n,)` targets."""
        return super().predict(X).astype(np.float64)

    def _more_tags(self) -> dict[str, Any]:
        return {"non_deterministic": True, "poor_score": True, "multioutput": True}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer whose `transform` is a trained model's output.

    Typically an embedding or an autoencoder's code, used as a step of a
    `Pipeline`.

    Args: see `SKLBase`.

    Example:
        >>> import numpy as np, lamina as keras
        >>> from lamina.wrappers import SKLearnTransformer
        >>> def build(X):
        ...     model = keras.Sequential([keras.layers.Input((X.shape[1],)),
        ...                               keras.layers.Dense(2)])
        ...     model.compile(optimizer="adam", loss="mse")
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(20, 4))
        >>> t = SKLearnTransformer(build, fit__epochs=1, fit__verbose=0)
        >>> t.fit(X, X[:, :2]).transform(X).shape
        (20, 2)
    """

    def transform(self, X: Any) -> np.ndarray:
        """The model's outputs for `X`, shape `(n_samples, n_outputs)`."""
        return self._raw_predict(X)

    def _more_tags(self) -> dict[str, Any]:
        return {"non_deterministic": True, "preserves_dtype": []}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
