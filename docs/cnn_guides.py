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
LEARNING_RATES = (3e-4, 1e-3, 3e-3)   # the grid for training from scratch
HEAD_RATES = (1e-3, 3e-3)             # the grid for phase 1: conv3 and the new head
TUNE_RATES = (1e-4, 3e-4)             # the grid for phase 2: everything, fine-tuned


def framed(x, frame=16, seed=0, clutter=0, piece=4, pieces=None):
    """Each 8x8 digit at a random place in a `frame` x `frame` black image, over
    `clutter` pieces of `piece` x `piece` pixels cut from random images of `pieces`
    (`x` if None) and put at random places (overlaps keep the brighter pixel)."""
    pieces = x if pieces is None else pieces
    rng = np.random.default_rng(seed)
    out = np.zeros((len(x), frame, frame, 1), "float32")
    for image, (row, col), digit in zip(out, rng.integers(0, frame - 7, (len(x), 2)), x):
        for _ in range(clutter):
            source = pieces[rng.integers(len(pieces))]
            top, left = rng.integers(0, 9 - piece, 2)
            at_row, at_col = rng.integers(0, frame - piece + 1, 2)
            patch = image[at_row:at_row + piece, at_col:at_col + piece]
            np.maximum(patch, source[top:top + piece, left:left + piece], out=patch)
        box = image[row:row + 8, col:col + 8]
        np.maximum(box, digit, out=box)
    return out


def framed_base():
    """Three convolution blocks and a global max pooling: 16x16x1 -> 64 features."""
    return [layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool2"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3"),
            layers.GlobalMaxPooling2D(name="gpool")]


def framed_cnn(frame=16, classes=5):
    return keras.Sequential([layers.Input((frame, frame, 1)), *framed_base(),
                             layers.Dropout(0.3), layers.Dense(64, activation="relu"),
                             layers.Dense(classes, activation="softmax")])


def transfer_data(frame=16, copies=4, clutter=3):
    """Framed digits, each among `clutter` pieces cut from images of its own split and
    classes (0-4 or 5-9), so that the base never sees a piece of 5-9: the training images
    of 0-4, each framed at `copies` random places (to pretrain), a pool of 5-9 training
    images, 10 validation images of each of 5-9 (outside the pool), the 180 test images
    of 5-9, the test images of 0-4."""
    x_train, x_test, y_train, y_test = digits_images()
    low = x_train[y_train < 5]
    x_low = np.concatenate([framed(low, frame, seed=200 + copy, clutter=clutter)
                            for copy in range(copies)])
    y_low = np.tile(y_train[y_train < 5], copies)
    # the same places for every digit whatever the clutter: they are drawn first
    x_test_low = framed(x_test, frame, seed=101, clutter=clutter,
                        pieces=x_test[y_test < 5])
    x_train = framed(x_train, frame, seed=100, clutter=clutter,
                     pieces=x_train[y_train >= 5])
    x_test = framed(x_test, frame, seed=101, clutter=clutter, pieces=x_test[y_test >= 5])
    rng = np.random.default_rng(123)
    valid = np.concatenate([rng.choice(np.flatnonzero(y_train == c), 10, replace=False)
                            for c in range(5, 10)])
    pool = np.setdiff1d(np.flatnonzero(y_train >= 5), valid)
    return {"low": (x_low, y_low),
            "pool": (x_train[pool], y_train[pool] - 5),
            "valid": (x_train[valid], y_train[valid] - 5),
            "test": (x_test[y_test >= 5], y_test[y_test >= 5] - 5),
            "test_low": (x_test_low[y_test < 5], y_test[y_test < 5])}


def fit_best(model, learning_rate, few, valid, epochs, patience):
    """Adam at `learning_rate`, early stopping on the validation loss with the best
    weights restored; returns the best validation loss and the epochs run."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                         restore_best_weights=True)
    history = model.fit(*few, validation_data=valid, batch_size=16, epochs=epochs,
                        callbacks=[stop], verbose=0)
    return min(history.history["val_loss"]), len(history.history["loss"])


def best_of(learning_rates, train, seed):
    """`train(model, learning_rate)` from the same start at each learning rate; returns
    (validation loss, learning rate, epochs run, model) of the best validation loss."""
    trials = []
    for learning_rate in learning_rates:
        keras.utils.set_random_seed(seed)
        model, ran = train(learning_rate)
        trials.append((ran[0], learning_rate, ran[1], model))
    return min(trials, key=lambda trial: trial[0])


def draw_few(pool, count, seed):
    """`count` images of each of the 5 classes of `pool`, drawn with `seed`."""
    x_pool, y_pool = pool
    rng = np.random.default_rng(seed)
    few = np.concatenate([rng.choice(np.flatnonzero(y_pool == c), count, replace=False)
                          for c in range(5)])
    return x_pool[few], y_pool[few]


def best_from_scratch(learning_rates, frame, few, valid, epochs, patience, seed):
    """The baseline: a fresh network trained on `few` at each rate; `best_of`'s answer."""
    def scratch(learning_rate):
        model = framed_cnn(frame)
        return model, fit_best(model, learning_rate, few, valid, epochs, patience)

    return best_of(learning_rates, scratch, seed)


def scratch_longer(per_class=(20, 40), seeds=2, frame=16, clutter=3, epochs=400,
                   patience=40, learning_rates=LEARNING_RATES):
    """The baseline from scratch of `transfer()` with a longer budget and patience: the
    test accuracies on 5-9, by images a class, of the best validation loss of the grid."""
    data = transfer_data(frame, 1, clutter)
    results = {}
    for count in per_class:
        results[count] = []
        for seed in range(seeds):
            few = draw_few(data["pool"], count, seed)
            model = best_from_scratch(learning_rates, frame, few, data["valid"], epochs,
                                      patience, seed)[3]
            results[count].append(model.evaluate(*data["test"], verbose=0)[1])
    return results


def transfer(per_class=(2, 5, 10, 20, 40, 80), seeds=3, frame=16, clutter=3,
             pretrain_epochs=20, pretrain_copies=4, epochs=60, patience=10,
             learning_rates=LEARNING_RATES, head_rates=HEAD_RATES, tune_rates=TUNE_RATES,
             base_seed=0):
    """Pretrain on framed digits 0-4 among `clutter` pieces; for each number of images of
    each of 5-9 and each seed, train (a) from scratch, (b) conv3 and a new head on the
    frozen conv1-conv2 of the pretrained base, (c) then the whole network, each at the
    learning rate of its grid with the best validation loss. Returns the test accuracies
    on 5-9 of each, by images a class."""
    data = transfer_data(frame, pretrain_copies, clutter)
    keras.utils.set_random_seed(base_seed)
    base_model = framed_cnn(frame)
    base_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    base_model.fit(*data["low"], batch_size=32, epochs=pretrain_epochs, verbose=0)
    results = {"pretrained accuracy on 0-4":
               base_model.evaluate(*data["test_low"], verbose=0)[1]}
    for count in per_class:
        row = {"from scratch": [], "frozen base": [], "fine-tuned": [],
               "learning rates": [], "epochs": []}
        for seed in range(seeds):
            few = draw_few(data["pool"], count, seed)

            def head(learning_rate):
                # (b) the pretrained base; conv1 and conv2 frozen, conv3 and a new
                # head train
                model = framed_cnn(frame)
                for layer in model.layers[:6]:
                    layer.set_weights(base_model.get_layer(layer.name).get_weights())
                for layer in model.layers[:4]:
                    layer.trainable = False
                return model, fit_best(model, learning_rate, few, data["valid"], epochs,
                                       patience)

            # (a) from scratch, with the budget of both transfer phases
            _, scratch_rate, ran, model = best_from_scratch(
                learning_rates, frame, few, data["valid"], 2 * epochs, patience, seed)
            row["from scratch"].append(model.evaluate(*data["test"], verbose=0)[1])
            _, head_rate, frozen_ran, frozen = best_of(head_rates, head, seed)
            results["trainable params, frozen"] = int(sum(np.prod(w.shape) for w in
                                                          frozen.trainable_weights))
            row["frozen base"].append(frozen.evaluate(*data["test"], verbose=0)[1])
            start = [layer.get_weights() for layer in frozen.layers]

            def tune(learning_rate):
                # (c) unfreeze, compile again, train everything
                model = framed_cnn(frame)
                for layer, weights in zip(model.layers, start):
                    layer.set_weights(weights)
                return model, fit_best(model, learning_rate, few, data["valid"], epochs,
                                       patience)

            _, tune_rate, tuned_ran, tuned = best_of(tune_rates, tune, seed)
            row["fine-tuned"].append(tuned.evaluate(*data["test"], verbose=0)[1])
            row["learning rates"].append((scratch_rate, head_rate, tune_rate))
            row["epochs"].append((ran, frozen_ran, tuned_ran))
        results[count] = row
    return results


def plot_transfer_tasks(count=8, figures=FIGURES):
    """The first `count` test images of 5-9 in each of the guide's three tasks: plain,
    framed, framed among clutter."""
    x_test, y_test = digits_images()[1::2]
    digits = x_test[y_test >= 5][:count]
    plain = np.pad(digits, ((0, 0), (4, 4), (4, 4), (0, 0)))
    # the same places in both frames: the clutter is drawn after the places
    tasks = (("plain 8x8", plain),
             ("framed", transfer_data(copies=1, clutter=0)["test"][0][:count]),
             ("framed, clutter", transfer_data(copies=1, clutter=3)["test"][0][:count]))
    fig, axes = plt.subplots(3, count, figsize=(count, 3.3))
    for row, (title, images) in enumerate(tasks):
        for col, image in enumerate(images):
            axes[row, col].imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(title, fontsize="small")
    fig.tight_layout()
    save(fig, figures, "transfer_tasks.png")
    return [title for title, _ in tasks]


def plot_transfer(results, figures=FIGURES):
    """Test accuracy on 5-9 against images a class: mean and spread over the seeds."""
    counts = [count for count in results if isinstance(count, int)]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, label in (("from scratch", "from scratch"),
                        ("frozen base", "conv1-2 frozen, conv3 and new head"),
                        ("fine-tuned", "then fine-tuned")):
        runs = np.array([results[count][name] for count in counts])
        ax.errorbar(counts, runs.mean(axis=1), yerr=runs.std(axis=1), capsize=3,
                    marker="o", label=label)
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(counts, [str(count) for count in counts])
    ax.set_xlabel("training images of each digit 5-9")
    ax.set_ylabel("test accuracy on 5-9")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    save(fig, figures, "transfer_learning.png")


def summary(results):
    """One line a count: mean +- standard deviation over the seeds, in percent."""
    lines = [f"pretrained on 0-4: {100 * results['pretrained accuracy on 0-4']:.1f}% "
             "on the test images of 0-4"]
    for count, row in results.items():
        if isinstance(count, int):
            cells = [f"{name} {100 * np.mean(row[name]):.1f} +- {100 * np.std(row[name]):.1f}"
                     for name in ("from scratch", "frozen base", "fine-tuned")]
            lines.append(f"{count:>3} a class: " + ", ".join(cells) +
                         f"; learning rates {row['learning rates']}; epochs run {row['epochs']}")
    return "\n".join(lines)


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
    results = transfer()
    plot_transfer(results)
    plot_transfer_tasks()
    print("transfer learning (test accuracy on 5-9, mean +- std over 3 seeds):")
    print(summary(results))


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["scratch-longer"]:   # the baseline's check in the guide
        for budget in ((400, 40), (120, 10)):   # against the budget of transfer()
            runs = scratch_longer(epochs=budget[0], patience=budget[1])
            print(f"{budget[0]} epochs, patience {budget[1]}:",
                  {count: [f"{100 * a:.1f}%" for a in accuracies]
                   for count, accuracies in runs.items()})
    elif sys.argv[1:2] == ["transfer"]:   # only the transfer-learning guide
        # `transfer 8 0`: the plain digits; `transfer 16 0`: framed without clutter
        frame = int(sys.argv[2]) if len(sys.argv) > 2 else 16
        clutter = int(sys.argv[3]) if len(sys.argv) > 3 else 3
        results = transfer(frame=frame, clutter=clutter)
        if (frame, clutter) == (16, 3):
            plot_transfer(results)
            plot_transfer_tasks()
        print(summary(results))
    else:
        main()
