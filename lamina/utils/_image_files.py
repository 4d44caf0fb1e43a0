"""Image files in a folder of class subfolders, as `flow_from_directory` and
`image_dataset_from_directory` index them, with errors that say how to fix the folder.

`directory/cats/1.jpg, directory/dogs/2.png, ...`: each subfolder is a class (in
alphanumeric order unless the classes are given), its images are found at any
depth, in the order of a sorted walk.
"""
from __future__ import annotations

import os
from typing import Iterator, NamedTuple, Optional, Sequence

from lamina.utils._image_io import pil_image

# What each loader accepts, as tf.keras 2 lists them.
GENERATOR_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
DATASET_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")

_SHOWN = 10  # unreadable files named in an error; the rest are counted


class Index(NamedTuple):
    """The files found, in order: paths relative to the directory, class indices."""

    class_names: list[str]
    filenames: list[str]
    labels: list[int]


def _check_directory(directory: str, what: str) -> str:
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        kind = "a file" if os.path.exists(directory) else "not found"
        raise ValueError(f"{what} needs a folder of images, but {directory!r} is {kind}. "
                         "Pass the folder that holds one subfolder per class.")
    return directory


def class_folders(directory: str, what: str) -> list[str]:
    """The subfolders of `directory` in sorted order, hidden ones (`.ipynb_checkpoints`)
    left out.

    Raises:
        ValueError: when the directory is missing or has no subfolder.
    """
    directory = _check_directory(directory, what)
    names = [name for name in sorted(os.listdir(directory))
             if not name.startswith(".") and os.path.isdir(os.path.join(directory, name))]
    if not names:
        loose = sum(1 for name in os.listdir(directory)
                    if os.path.isfile(os.path.join(directory, name)))
        raise ValueError(
            f"{what} expects one subfolder per class in {directory!r}, but it has no "
            f"subfolders ({loose} file(s) directly inside). Move the images into one "
            f"folder per class ({os.path.join(directory, 'cats')}, "
            f"{os.path.join(directory, 'dogs')}, ...), or pass the folder above it.")
    return names


def match_classes(directory: str, given: Optional[Sequence[str]], found: list[str],
                  what: str) -> list[str]:
    """The classes to use: `given` in its order (each must be a subfolder), else `found`.

    Raises:
        ValueError: for a given class with no subfolder.
    """
    if not given:
        return found
    missing = [name for name in given if name not in found]
    if missing:
        raise ValueError(f"{what} received classes {list(given)}, but {directory!r} has no "
                         f"subfolder {missing}. Its subfolders are {found}.")
    return list(given)


def walk_files(directory: str, formats: tuple[str, ...], follow_links: bool) -> Iterator[str]:
    """Paths of the files under `directory` whose names end in one of `formats` (case
    ignored), in the order of a sorted walk."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_classes(directory: str, class_names: list[str], formats: tuple[str, ...],
                  follow_links: bool, split: Optional[tuple[float, float]] = None) -> Index:
    """The image files of each class folder, class by class.

    Args:
        directory: the folder of class subfolders.
        class_names: the classes, in label order.
        formats: file-name endings to take.
        follow_links: follow symbolic links to folders.
        split: `(start, stop)` fractions of each class's files to keep
            (`flow_from_directory`'s `subset`), or None for all.

    Returns:
        The `Index`; filenames are relative to `directory` (`cats/1.jpg`).
    """
    filenames: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(class_names):
        folder = os.path.join(directory, name)
        files = list(walk_files(folder, formats, follow_links))
        if split is not None:
            files = files[int(split[0] * len(files)):int(split[1] * len(files))]
        filenames += [os.path.join(name, os.path.relpath(path, folder)) for path in files]
        labels += [label] * len(files)
    return Index(list(class_names), filenames, labels)


def check_found(directory: str, count: int, formats: tuple[str, ...], what: str) -> None:
    """Raises a ValueError when no image file was found."""
    if count == 0:
        listed = ", ".join(f.lstrip(".") for f in formats)
        raise ValueError(f"{what} found no image files ({listed}) in the class subfolders "
                         f"of {directory!r}. Check the path, and that the images have one "
                         "of these extensions.")


def check_readable(directory: str, filenames: Sequence[str], what: str) -> None:
    """Opens the header of every file; names the ones Pillow cannot identify.

    Raises:
        ValueError: listing the unreadable files (the first few, and how many).
    """
    Image = pil_image()
    bad = []
    for name in filenames:
        try:
            with Image.open(os.path.join(directory, name)):
                pass
        except Exception:  # Pillow raises several kinds for a file it cannot identify
            bad.append(name)
    if bad:
        shown = ", ".join(bad[:_SHOWN]) + (f", ... ({len(bad) - _SHOWN} more)"
                                           if len(bad) > _SHOWN else "")
        raise ValueError(f"{what}: {len(bad)} file(s) in {directory!r} are not readable "
                         f"images: {shown}. Delete them or move them out of the folder "
                         "(an empty or partly downloaded file is a common cause).")
