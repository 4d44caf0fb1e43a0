"""Row sources for data sets larger than memory: Parquet and CSV files (read with
pyarrow, an optional extra) and arrays such as NumPy memmaps, read a block at a time.

A source knows its rows and columns and yields `(x, y)` NumPy blocks, in a given
order of its blocks (Parquet row groups, CSV files, array slices), never holding more
than one block.
"""
from __future__ import annotations

import glob
import os
from typing import Any, Iterator, Sequence

import numpy as np

Block = tuple  # (x float32 (rows, features), y (rows,) or None)


def _pyarrow() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.csv  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportError("Reading Parquet and CSV files needs pyarrow: "
                          "pip install 'lamina[files]' (or pip install pyarrow).") from None
    return pyarrow


def expand_paths(paths: Any) -> list[str]:
    """File paths from a path, a glob pattern, or a list of them (sorted per pattern).

    Example:
        >>> expand_paths([])
        Traceback (most recent call last):
        ...
        ValueError: No files given. Pass a path, a glob pattern such as 'data/*.parquet', or a list of paths.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for item in items:
        item = os.fspath(item)
        found = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        if not found:
            raise FileNotFoundError(f"No file matches the pattern {item!r}.")
        out.extend(found)
    if not out:
        raise ValueError("No files given. Pass a path, a glob pattern such as "
                         "'data/*.parquet', or a list of paths.")
    for path in out:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No such file: {path!r}.")
    return out


def _format_of(path: str) -> str:
    lower = path.lower()
    for suffix, fmt in ((".parquet", "parquet"), (".pq", "parquet"), (".csv", "csv"),
                        (".csv.gz", "csv")):
        if lower.endswith(suffix):
            return fmt
    raise ValueError(f"Cannot tell the format of {path!r} from its name. Use files ending "
                     "in .parquet or .csv, or pass format='parquet' or format='csv'.")


def _columns(path: str, fmt: str) -> list[str]:
    pa = _pyarrow()
    if fmt == "parquet":
        return list(pa.parquet.ParquetFile(path).schema_arrow.names)
    with pa.csv.open_csv(path) as reader:
        return list(reader.schema.names)


def _count_csv_rows(path: str) -> int:
    """Data rows of a CSV file (lines after the header), counted in 16 MiB blocks."""
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 24)
            if not block:
                break
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n") - 1


class FileSource:
    """Parquet or CSV files with the same columns, read a block at a time.

    Args:
        paths: the files (see `expand_paths`).
        label: the target column, or None for inputs only.
        features: the input columns; by default every column but the label.
        format: `"parquet"` or `"csv"`; by default from the file names.
        block_rows: rows per block read from a CSV file.

    Raises:
        ValueError: a file whose columns differ from the first file's (named), or a
            label or feature column that is not in the files.
    """

    def __init__(self, paths: Any, label: str | None, features: Sequence[str] | None = None,
                 format: str | None = None, block_rows: int = 1 << 16):
        self.paths = expand_paths(paths)
        self.formats = [format or _format_of(p) for p in self.paths]
        first = _columns(self.paths[0], self.formats[0])
        for path, fmt in zip(self.paths[1:], self.formats[1:]):
            cols = _columns(path, fmt)
            if cols != first:
                missing = [c for c in first if c not in cols]
                extra = [c for c in cols if c not in first]
                raise ValueError(
                    f"The columns of {path!r} differ from those of the first file "
                    f"{self.paths[0]!r}: missing {missing}, extra {extra}"
                    + ("" if missing or extra else ", in another order")
                    + f". Every file needs the columns {first}.")
        if label is not None and label not in first:
            raise ValueError(f"The label column {label!r} is not in the files, whose columns "
                             f"are {first}.")
        features = [c for c in first if c != label] if features is None else list(features)
        unknown = [c for c in features if c not in first]
        if unknown:
            raise ValueError(f"Feature columns {unknown} are not in the files, whose columns "
                             f"are {first}.")
        self.label, self.features, self.block_rows = label, features, int(block_rows)
        pa = _pyarrow()
        self._blocks: list[tuple[int, int]] = []  # (file index, row group or -1)
        self.block_sizes: list[int] = []  # rows per block, from the files' metadata
        for i, (path, fmt) in enumerate(zip(self.paths, self.formats)):
            if fmt == "parquet":
                meta = pa.parquet.ParquetFile(path).metadata
                self._blocks += [(i, g) for g in range(meta.num_row_groups)]
                self.block_sizes += [meta.row_group(g).num_rows
                                     for g in range(meta.num_row_groups)]
            else:
                self._blocks.append((i, -1))
                self.block_sizes.append(_count_csv_rows(path))
        self.rows = sum(self.block_sizes)

    @property
    def num_blocks(self) -> int:
        """Units whose order a shuffle changes: Parquet row groups and CSV files."""
        return len(self._blocks)

    def _convert(self, table: Any) -> Block:
        x = np.stack([table.column(c).to_numpy(zero_copy_only=False) for c in self.features],
                     axis=1).astype(np.float32, copy=False)
        y = None
        if self.label is not None:
            y = table.column(self.label).to_numpy(zero_copy_only=False)
            y = y.astype(np.float32 if y.dtype.kind == "f" else np.int32, copy=False)
        return x, y

    def blocks(self, order: Sequence[int]) -> Iterator[Block]:
        """The blocks in `order` (indices below `num_blocks`), converted to arrays."""
        pa = _pyarrow()
        columns = self.features + ([self.label] if self.label is not None else [])
        for b in order:
            i, group = self._blocks[b]
            if group >= 0:
                table = pa.parquet.ParquetFile(self.paths[i]).read_row_group(group,
                                                                             columns=columns)
                yield self._convert(table)
                continue
            options = pa.csv.ReadOptions(block_size=max(1 << 20, self.block_rows * 64))
            with pa.csv.open_csv(self.paths[i], read_options=options,
                                 convert_options=pa.csv.ConvertOptions(
                                     include_columns=columns)) as reader:
                for batch in reader:
                    yield self._convert(batch)


class ArraySource:
    """Arrays read a slice at a time: NumPy memmaps (`np.load(path, mmap_mode="r")`),
    HDF5 datasets, anything that slices into NumPy arrays.

    Args:
        x: the inputs, `(rows, ...)`.
        y: the targets, or None.
        block_rows: rows per block.
    """

    def __init__(self, x: Any, y: Any = None, block_rows: int = 1 << 16):
        if y is not None and len(y) != len(x):
            raise ValueError(f"x has {len(x)} rows but y has {len(y)}; they must match.")
        self.x, self.y, self.rows, self.block_rows = x, y, len(x), int(block_rows)

    @property
    def num_blocks(self) -> int:
        return -(-self.rows // self.block_rows)

    @property
    def block_sizes(self) -> list[int]:
        """Rows per block."""
        return [min(self.block_rows, self.rows - b * self.block_rows)
                for b in range(self.num_blocks)]

    def blocks(self, order: Sequence[int]) -> Iterator[Block]:
        for b in order:
            lo, hi = b * self.block_rows, min((b + 1) * self.block_rows, self.rows)
            x = np.asarray(self.x[lo:hi])
            x = x.astype(np.float32, copy=False) if x.dtype.kind == "f" else x
            yield x, None if self.y is None else np.asarray(self.y[lo:hi])
