"""The random parameters of `ImageDataGenerator`'s transforms, drawn for a whole batch
at once from NumPy's global random state in the order tf.keras 2 draws them image by
image, so a seeded generator gives tf.keras's transforms.

Per image tf.keras draws, each only when its range is set: the rotation, the height
shift, the width shift, the shear, the two zooms, then always the two flip coins, then
the channel shift and the brightness. When every draw is a uniform double (shift ranges
that are fractions or pixel counts given as floats), the batch's draws are one
`np.random.random_sample((n, k))`, which is the same stream; integer or list shift
ranges draw integers, and those batches are drawn image by image.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

import numpy as np


class TransformParams(NamedTuple):
    """One batch's transforms, one entry per image (tf.keras's parameter names).

    `tx` is the shift along the rows (height), `ty` along the columns (width), in
    pixels; `theta` and `shear` are in degrees; `zx`, `zy` are the zooms of rows and
    columns. `channel_shift_intensity` and `brightness` are None when not drawn.
    """

    theta: np.ndarray
    tx: np.ndarray
    ty: np.ndarray
    shear: np.ndarray
    zx: np.ndarray
    zy: np.ndarray
    flip_horizontal: np.ndarray
    flip_vertical: np.ndarray
    channel_shift_intensity: Optional[np.ndarray]
    brightness: Optional[np.ndarray]

    @staticmethod
    def from_dicts(dicts: list[dict]) -> "TransformParams":
        """Stacks per-image dicts as `get_random_transform` returns them."""
        def column(key: str, default: float) -> np.ndarray:
            return np.array([float(d.get(key, default)) for d in dicts], np.float64)

        def optional(key: str) -> Optional[np.ndarray]:
            values = [d.get(key) for d in dicts]
            if all(v is None for v in values):
                return None
            neutral = 0.0 if key == "channel_shift_intensity" else np.nan
            return np.array([neutral if v is None else float(v) for v in values])

        return TransformParams(
            column("theta", 0), column("tx", 0), column("ty", 0), column("shear", 0),
            column("zx", 1), column("zy", 1),
            np.array([bool(d.get("flip_horizontal", False)) for d in dicts]),
            np.array([bool(d.get("flip_vertical", False)) for d in dicts]),
            optional("channel_shift_intensity"), optional("brightness"))

    def as_dict(self, i: int) -> dict:
        """Image `i`'s parameters as the dict `get_random_transform` returns."""
        def opt(values: Optional[np.ndarray]) -> Any:
            return None if values is None else float(values[i])

        return {"theta": float(self.theta[i]), "tx": float(self.tx[i]),
                "ty": float(self.ty[i]), "shear": float(self.shear[i]),
                "zx": float(self.zx[i]), "zy": float(self.zy[i]),
                "flip_horizontal": int(self.flip_horizontal[i]),
                "flip_vertical": int(self.flip_vertical[i]),
                "channel_shift_intensity": opt(self.channel_shift_intensity),
                "brightness": opt(self.brightness)}


def _draws_integers(shift_range: Any) -> bool:
    """Whether tf.keras draws this shift with `np.random.choice` (an int or a list) rather
    than `np.random.uniform` (a float)."""
    if isinstance(shift_range, (bool, np.bool_)):
        return True
    if isinstance(shift_range, (int, np.integer)):
        return True
    return np.ndim(shift_range) == 1


def _shift(shift_range: Any, size: int) -> float:
    """One shift as tf.keras draws it."""
    if not _draws_integers(shift_range):
        shift = np.random.uniform(-shift_range, shift_range)
    else:
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    if np.max(shift_range) < 1:
        shift *= size
    return shift


def draw_one(gen: Any, rows: int, cols: int) -> dict:
    """One image's parameters, exactly as tf.keras's `get_random_transform` draws them."""
    theta = np.random.uniform(-gen.rotation_range, gen.rotation_range) \
        if gen.rotation_range else 0
    tx = _shift(gen.height_shift_range, rows) if gen.height_shift_range else 0
    ty = _shift(gen.width_shift_range, cols) if gen.width_shift_range else 0
    shear = np.random.uniform(-gen.shear_range, gen.shear_range) if gen.shear_range else 0
    if gen.zoom_range[0] == 1 and gen.zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(gen.zoom_range[0], gen.zoom_range[1], 2)
    flip_horizontal = (np.random.random() < 0.5) * gen.horizontal_flip
    flip_vertical = (np.random.random() < 0.5) * gen.vertical_flip
    channel_shift = None
    if gen.channel_shift_range != 0:
        channel_shift = np.random.uniform(-gen.channel_shift_range, gen.channel_shift_range)
    brightness = None
    if gen.brightness_range is not None:
        brightness = np.random.uniform(gen.brightness_range[0], gen.brightness_range[1])
    return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
            "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift, "brightness": brightness}


def draw(gen: Any, n: int, rows: int, cols: int) -> TransformParams:
    """The parameters of `n` images of `rows` x `cols` pixels, in tf.keras's stream order.

    Args:
        gen: the `ImageDataGenerator` (its ranges).
        n: the number of images.
        rows, cols: the images' height and width.

    Returns:
        The batch's `TransformParams`.
    """
    if (gen.height_shift_range and _draws_integers(gen.height_shift_range)) or \
            (gen.width_shift_range and _draws_integers(gen.width_shift_range)):
        return TransformParams.from_dicts([draw_one(gen, rows, cols) for _ in range(n)])
    # (name, low, high, scale) for each uniform draw, in tf.keras's order.
    columns: list[tuple[str, float, float, float]] = []
    if gen.rotation_range:
        columns.append(("theta", -gen.rotation_range, gen.rotation_range, 1))
    for name, shift_range, size in (("tx", gen.height_shift_range, rows),
                                    ("ty", gen.width_shift_range, cols)):
        if shift_range:
            columns.append((name, -shift_range, shift_range,
                            size if np.max(shift_range) < 1 else 1))
    if gen.shear_range:
        columns.append(("shear", -gen.shear_range, gen.shear_range, 1))
    if not (gen.zoom_range[0] == 1 and gen.zoom_range[1] == 1):
        columns += [("zx", gen.zoom_range[0], gen.zoom_range[1], 1),
                    ("zy", gen.zoom_range[0], gen.zoom_range[1], 1)]
    columns += [("flip_horizontal", 0, 1, 1), ("flip_vertical", 0, 1, 1)]
    if gen.channel_shift_range != 0:
        columns.append(("channel_shift_intensity", -gen.channel_shift_range,
                        gen.channel_shift_range, 1))
    if gen.brightness_range is not None:
        columns.append(("brightness", gen.brightness_range[0], gen.brightness_range[1], 1))
    u = np.random.random_sample((n, len(columns)))
    values: dict[str, np.ndarray] = {}
    for j, (name, low, high, scale) in enumerate(columns):
        values[name] = low + (high - low) * u[:, j]
        if scale != 1:
            values[name] = values[name] * scale
    zeros, ones = np.zeros(n), np.ones(n)
    return TransformParams(
        values.get("theta", zeros), values.get("tx", zeros), values.get("ty", zeros),
        values.get("shear", zeros), values.get("zx", ones), values.get("zy", ones),
        (values["flip_horizontal"] < 0.5) & bool(gen.horizontal_flip),
        (values["flip_vertical"] < 0.5) & bool(gen.vertical_flip),
        values.get("channel_shift_intensity"), values.get("brightness"))
