"""The code of the image guides (cnn_digits.md, augmentation.md, transfer_learning.md,
feature_maps.md): run it to make their figures and print the numbers they quote.

Run from the repository root: `python docs/cnn_guides.py`. Data: scikit-learn's bundled
handwritten digits (`load_digits`, 1,797 images of 8x8 pixels, 10 classes); nothing is
downloaded. Figures go to docs/figures/. The tests run each function at small settings
(`tests/test_docs_cnn_guides.py`).
"""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import lamina as keras  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.plot import feature_maps, filters, learning_curves  # noqa: E402
from lamina.preprocessing.image import ImageDataGenerator  # noqa: E402

FIGURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "figures")


def digits_images():
    """Digits as images: `(n, 8, 8, 1)` floats in [0, 1], 80% train, 20% test."""
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    return train_test_split(x, digits.target, test_size=0.2, stratify=digits.target,
                            random_state=0)


def conv_base():
    """Two convolution blocks: 8x8x1 -> 4x4x32 -> 2x2x64."""
    return [layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool2")]


def digits_cnn(classes=10, augment=()):
    model = keras.Sequential([layers.Input((8, 8, 1)), *augment, *conv_base(),
                              layers.Flatten(), layers.Dropout(0.3),
                              layers.Dense(64, activation="relu"),
                              layers.Dense(classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def save(fig, figures, name):
    os.makedirs(figures, exist_ok=True)
    fig.savefig(os.path.join(figures, name), dpi=70)
    plt.close(fig)


# -- cnn_digits.md ----------------------------------------------------------------------
def train_digits(epochs=40, figures=FIGURES):
    """The digits CNN, trained with a validation split; returns the model and its test
    accuracy."""
    keras.utils.set_random_seed(0)
    x_train, x_test, y_train, y_test = digits_images()
    model = digits_cnn()
    history = model.fit(x_train, y_train, validation_split=0.1, batch_size=32,
                        epochs=epochs, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    fig = learning_curves(history)
    fig.set_size_inches(9, 3.2)
    fig.tight_layout()
    save(fig, figures, "cnn_digits.png")
    return model, {"params": model.count_params(), "test_loss": loss,
                   "test_accuracy": accuracy}


# -- augmentation.md ---------------------------------------------------------------------
AUGMENT_LAYERS = dict(rotation=0.04, zoom=0.1, translation=0.1)
GENERATOR = dict(rotation_range=15, zoom_range=0.1, width_shift_range=0.1,
                 height_shift_range=0.1, fill_mode="constant")


def augmentation_layers():
    # The digits lie on a black background: fill uncovered pixels with zeros.
    return [layers.RandomRotation(AUGMENT_LAYERS["rotation"], fill_mode="constant"),
            layers.RandomZoom(AUGMENT_LAYERS["zoom"], fill_mode="constant"),
            layers.RandomTranslation(AUGMENT_LAYERS["translation"],
                                     AUGMENT_LAYERS["translation"], fill_mode="constant")]


def augmentation(train_size=200, epochs=100, figures=FIGURES,
                 ways=("plain", "layers", "generator")):
    """Train on `train_size` images in each of `ways`: as they are, through random
    layers in the model, through `ImageDataGenerator.flow`; returns each one's accuracy
    on the test images, and on the test images shifted one pixel right and down."""
    x_train, x_test, y_train, y_test = digits_images()
    shifted = np.zeros_like(x_test)
    shifted[:, 1:, 1:] = x_test[:, :-1, :-1]
    x_small, y_small = x_train[:train_size], y_train[:train_size]
    results = {}
    for name in ways:
        keras.utils.set_random_seed(0)
        model = digits_cnn(augment=augmentation_layers() if name == "layers" else ())
        if name == "generator":
            datagen = ImageDataGenerator(**GENERATOR)
            flow = datagen.flow(x_small, y_small, batch_size=32, seed=0)
            model.fit(flow, epochs=epochs, verbose=0)
        else:
            model.fit(x_small, y_small, batch_size=32, epochs=epochs, verbose=0)
        results[name] = {"test": model.evaluate(x_test, y_test, verbose=0)[1],
                         "shifted": model.evaluate(shifted, y_test, verbose=0)[1]}
    # What the model sees: one digit, augmented eight times each way.
    keras.utils.set_random_seed(1)
    aug = keras.Sequential([layers.Input((8, 8, 1)), *augmentation_layers()])
    by_layers = np.stack([aug(x_small[:1], training=True)[0] for _ in range(8)])
    by_generator = np.stack([ImageDataGenerator(**GENERATOR).random_transform(x_small[0],
                                                                              seed=i)
                             for i in range(8)])
    fig, axes = plt.subplots(2, 9, figsize=(9, 2.3))
    for row, (title, images) in enumerate((("layers", by_layers),
                                           ("ImageDataGenerator", by_generator))):
        for col, image in enumerate([x_small[0]] + list(images)):
            axes[row, col].imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
            axes[row, col].set_axis_off()
        axes[row, 0].set_title("original" if row == 0 else "", fontsize="small")
        axes[row, 1].set_title(title, fontsize="small", loc="left")
    fig.tight_layout()
    save(fig, figures, "augmentation.png")
    return results


# -- transfer_learning.md -------------------------------------------------------------------
def transfer(per_class=30, pretrain_epochs=20, epochs=60, figures=FIGURES):
    """Pretrain on digits 0-4, freeze the convolutions, fine-tune a new head on
    `per_class` images of each of 5-9; compare with the same network from scratch."""
    x_train, x_test, y_train, y_test = digits_images()
    low, high = y_train < 5, y_train >= 5
    keras.utils.set_random_seed(0)
    base_model = digits_cnn(classes=5)
    base_model.fit(x_train[low], y_train[low], batch_size=32, epochs=pretrain_epochs,
                   verbose=0)
    # A few dozen labelled images of each new class.
    rng = np.random.default_rng(0)
    few = np.concatenate([rng.choice(np.flatnonzero(y_train == c), per_class, replace=False)
                          for c in range(5, 10)])
    x_few, y_few = x_train[few], y_train[few] - 5
    x_new, y_new = x_test[y_test >= 5], y_test[y_test >= 5] - 5

    def head(base):
        model = keras.Sequential([layers.Input((8, 8, 1)), *base, layers.Flatten(),
                                  layers.Dense(64, activation="relu"),
                                  layers.Dense(5, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    keras.utils.set_random_seed(1)
    frozen = base_model.layers[:4]  # conv1, pool1, conv2, pool2: trained on 0-4
    for layer in frozen:
        layer.trainable = False
    transferred = head(frozen)
    histories = {"transferred": transferred.fit(x_few, y_few, validation_data=(x_new, y_new),
                                                batch_size=16, epochs=epochs, verbose=0)}
    keras.utils.set_random_seed(1)
    scratch = head(conv_base())
    histories["from scratch"] = scratch.fit(x_few, y_few, validation_data=(x_new, y_new),
                                            batch_size=16, epochs=epochs, verbose=0)
    early = min(5, epochs)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, history in histories.items():
        ax.plot(np.arange(1, epochs + 1), history.history["val_accuracy"], label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy on the test images of 5-9")
    ax.legend()
    ax.set_title(f"{per_class} training images of each digit 5-9", fontsize="medium")
    fig.tight_layout()
    save(fig, figures, f"transfer_learning_{per_class}.png")
    return {"trainable_params": int(sum(np.prod(w.shape) for w in
                                        transferred.trainable_weights)),
            **{name: h.history["val_accuracy"][-1] for name, h in histories.items()},
            **{f"{name} after {early} epochs": h.history["val_accuracy"][early - 1]
               for name, h in histories.items()}}


# -- feature_maps.md -------------------------------------------------------------------------
def show_feature_maps(model, figures=FIGURES):
    """The first layer's filters and the maps of both convolutions for one test digit."""
    x_test = digits_images()[1]
    save(filters(model.get_layer("conv1"), ncols=8), figures, "filters_conv1.png")
    shapes = {}
    for name in ("conv1", "conv2"):
        cut = keras.Model(model.inputs, model.get_layer(name).output)
        maps = cut.predict(x_test[:1], verbose=0)
        shapes[name] = maps.shape
        save(feature_maps(maps, ncols=8 if name == "conv1" else 16, size=0.9), figures,
             f"feature_maps_{name}.png")
    return shapes


def main():
    model, numbers = train_digits()
    print("digits CNN:", numbers)
    print("feature maps:", show_feature_maps(model))
    print("augmentation (test accuracy):", augmentation())
    for per_class in (10, 30):
        print(f"transfer learning, {per_class} a class (test accuracy on 5-9):",
              transfer(per_class))


if __name__ == "__main__":
    main()
