"""Make the figures of docs/overfitting.md and print the numbers it quotes.

Run from the repository root: `python docs/make_figures.py`. Data: scikit-learn's
bundled handwritten digits (`load_digits`, 1,797 images of 8x8 pixels, 10 classes);
nothing is downloaded. Figures go to docs/figures/.
"""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import lamina as keras  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.plot import learning_curves  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(HERE, "figures")
EPOCHS = 100


def data():
    digits = load_digits()
    x = digits.data.astype("float32")  # pixel intensities 0..16
    y = digits.target.astype("int32")
    return train_test_split(x, y, train_size=0.3, stratify=y, random_state=0)


def normalizer(x_train):
    norm = layers.Normalization()
    norm.adapt(x_train)
    return norm


def train(name, model, x_train, y_train, x_valid, y_valid, *, epochs=EPOCHS,
          optimizer="adam", callbacks=None, title=None):
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, validation_data=(x_valid, y_valid),
                        batch_size=32, epochs=epochs, callbacks=callbacks, verbose=0)
    h = history.history
    best = int(np.argmin(h["val_loss"]))
    print(f"{name:>15}: epochs run {len(h['loss'])}, params {model.count_params()}, "
          f"final loss {h['loss'][-1]:.4f} val_loss {h['val_loss'][-1]:.4f} "
          f"accuracy {h['accuracy'][-1]:.4f} val_accuracy {h['val_accuracy'][-1]:.4f}; "
          f"best val_loss {h['val_loss'][best]:.4f} at epoch {best + 1} "
          f"(val_accuracy {h['val_accuracy'][best]:.4f})")
    fig = learning_curves(history)
    fig.set_size_inches(9, 3.2)
    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, f"{name}.png"), dpi=70)
    matplotlib.pyplot.close(fig)
    return history


def main():
    os.makedirs(FIGURES, exist_ok=True)
    x_train, x_valid, y_train, y_valid = data()
    print(f"train {x_train.shape}, validation {x_valid.shape}")
    split = (x_train, y_train, x_valid, y_valid)

    def big(dropout=0.0):
        stack = [layers.Input((64,)), normalizer(x_train)]
        for _ in range(3):
            stack.append(layers.Dense(512, activation="relu"))
            if dropout:
                stack.append(layers.Dropout(dropout))
        return keras.Sequential(stack + [layers.Dense(10, activation="softmax")])

    keras.utils.set_random_seed(0)
    train("underfit", keras.Sequential([
        layers.Input((64,)), normalizer(x_train), layers.Dense(2, activation="relu"),
        layers.Dense(10, activation="softmax")]), *split,
        title="too small: 2 hidden units")

    keras.utils.set_random_seed(0)
    train("overfit", big(), *split, title="too big: 3 x 512 units, no regularization")

    keras.utils.set_random_seed(0)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, min_delta=0.001,
                                         restore_best_weights=True)
    model = big()
    history = train("early_stopping", model, *split, callbacks=[stop],
                    title="the same model with EarlyStopping(patience=10)")
    loss, accuracy = model.evaluate(x_valid, y_valid, verbose=0)
    val = ", ".join(f"{e + 1}: {v:.4f}" for e, v in enumerate(history.history["val_loss"][5:9],
                                                               start=5))
    print(f"early_stopping: stopped_epoch {stop.stopped_epoch + 1}, best_epoch "
          f"{stop.best_epoch + 1}, val_loss by epoch {{{val}}}; restored weights give "
          f"val_loss {loss:.4f} val_accuracy {accuracy:.4f}")

    keras.utils.set_random_seed(0)
    train("dropout", big(dropout=0.5), *split,
          title="the same model with Dropout(0.5) after each hidden layer")

    for name, bn in (("sgd_raw_pixels", False), ("batchnorm", True)):
        keras.utils.set_random_seed(0)
        stack = [layers.Input((64,))] + ([layers.BatchNormalization()] if bn else [])
        for _ in range(3):
            stack.append(layers.Dense(512, activation="relu"))
            if bn:
                stack.append(layers.BatchNormalization())
        model = keras.Sequential(stack + [layers.Dense(10, activation="softmax")])
        where = "BatchNormalization first and after each hidden layer" if bn else \
            "no normalization"
        train(name, model, *split, epochs=30,
              optimizer=keras.optimizers.SGD(learning_rate=0.1),
              title=f"raw pixels 0..16, SGD(0.1), {where}")

if __name__ == "__main__":
    main()
