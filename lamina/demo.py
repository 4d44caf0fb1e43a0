"""`lamina demo`: a small network on a real data set that ships with scikit-learn."""
from __future__ import annotations

import time
from typing import Any

import numpy as np


def load_breast_cancer_split(seed: int = 0) -> tuple[np.ndarray, ...]:
    """scikit-learn's bundled breast-cancer set (569 × 30), standardized and split
    80/20 into training and test rows (statistics from the training rows only)."""
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError as err:
        raise ImportError("The demo trains on scikit-learn's bundled breast-cancer data. "
                          "Install it with: pip install 'lamina[demo]'") from err
    data = load_breast_cancer()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    train, test = order[:cut], order[cut:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    x = (x - mean) / std
    return x[train], y[train], x[test], y[test]


def run_demo(output: str = "lamina-demo.png", epochs: int = 60, seed: int = 0,
             verbose: Any = "auto") -> Any:
    """Train a small classifier, print its learning curve as text, save it as a PNG.

    Args:
        output: where to save the learning-curve figure (None: no figure).
        epochs: the maximum number of epochs (EarlyStopping may stop sooner).
        seed: the seed for the split, the weights and the shuffling.
        verbose: passed to `fit`.

    Returns:
        The `History`.
    """
    import lamina as keras
    from lamina.utils._text_plot import text_curves

    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = load_breast_cancer_split(seed)
    print(f"Breast-cancer data (scikit-learn): {len(x_train)} training rows, "
          f"{len(x_test)} test rows, {x_train.shape[1]} features.\n")
    model = keras.Sequential([
        keras.layers.Input(shape=(x_train.shape[1],)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=8,
                                         restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(x_train, y_train, validation_split=0.2, epochs=epochs,
                        batch_size=32, callbacks=[stop], verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    ran = len(history.epoch)
    print(f"\nTrained {ran} epochs in {seconds:.2f} s (the first includes compilation).")
    print(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f} on {len(x_test)} unseen rows.\n")
    print("Loss per epoch:")
    print(text_curves({"loss": history.history["loss"],
                       "val_loss": history.history["val_loss"]}))
    if output:
        figure = history.plot()
        figure.savefig(output, dpi=100)
        print(f"\nLearning curves saved to {output}")
    return history
