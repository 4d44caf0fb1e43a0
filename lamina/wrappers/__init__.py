"""scikit-learn estimators that train Lamina models, as `keras.wrappers`.

Keras 3's `SKLearnClassifier`, `SKLearnRegressor` and `SKLearnTransformer`, with
scikeras's routed parameters (`model__units`, `optimizer__learning_rate`,
`fit__epochs`), and tf.keras 2's `scikit_learn.KerasClassifier` and
`KerasRegressor(build_fn, **sk_params)`. They need scikit-learn
(`pip install 'lamina[sklearn]'`).
"""
from lamina.wrappers import scikit_learn
from lamina.wrappers.sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer", "scikit_learn"]
