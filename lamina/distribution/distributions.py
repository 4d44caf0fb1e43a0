"""`DataParallel`, `ModelParallel` and `LayoutMap`, as Keras 3's `keras.distribution`.

A distribution says where each weight lives and how each batch is split. Lamina
applies it to the inputs and the state of the same compiled epoch program
(`jax.device_put` with `NamedSharding`s, and a sharding constraint on each batch
inside the program); XLA partitions the program and inserts the gradient all-reduce.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import MutableMapping
from typing import Any, Iterator, Sequence

import jax
from jax.sharding import NamedSharding, PartitionSpec

from lamina.backend import _distribution
from lamina.distribution.mesh import DeviceMesh, TensorLayout, list_devices  # noqa: F401


class Distribution:
    """Base of the distributions: a device mesh and the mesh axis batches split over.

    Args:
        device_mesh: the `DeviceMesh`.
        batch_dim_name: the mesh axis the batch is split over (the first by default).
    """

    def __init__(self, device_mesh: DeviceMesh, batch_dim_name: str | None = None):
        self.device_mesh = device_mesh
        self.batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if self.batch_dim_name not in device_mesh.axis_names:
            raise ValueError(f"batch_dim_name={self.batch_dim_name!r} is not an axis of the "
                             f"mesh, whose axes are {device_mesh.axis_names}.")

    @property
    def batch_shards(self) -> int:
        """How many parts a batch is split into."""
        mesh = self.device_mesh
        return mesh.shape[mesh.axis_names.index(self.batch_dim_name)]

    def batch_sharding(self, ndim: int) -> NamedSharding:
        """The sharding of a batch with `ndim` axes: rows split over the batch axis."""
        spec = PartitionSpec(self.batch_dim_name, *([None] * (ndim - 1)))
        return NamedSharding(self.device_mesh.jax_mesh, spec)

    def variable_sharding(self, path: str, shape: tuple) -> NamedSharding:
        """The sharding of the weight `path`: replicated on every device."""
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec())

    def layout_keys(self) -> list[str]:
        """The layout-map keys, each of which must match a weight of the model."""
        return []

    @contextlib.contextmanager
    def scope(self) -> Iterator["Distribution"]:
        """Use this distribution inside a `with` block only."""
        previous = _distribution.current()
        _distribution.set_current(self)
        try:
            yield self
        finally:
            _distribution.set_current(previous)


class DataParallel(Distribution):
    """Data parallelism, as `keras.distribution.DataParallel`: every device holds all
    the weights, and each batch is split over the devices by rows.

    Args:
        device_mesh: a 1-D `DeviceMesh`; made from `devices` when not given.
        devices: the devices (JAX devices or `"cpu:0"` strings); all by default.

    The batch size must be a multiple of the number of devices (the error names the
    nearest sizes that are). The last, smaller batch of an epoch is not split when
    its size is not such a multiple: it runs on every device whole.

    Example:
        >>> dist = DataParallel(devices=list_devices()[:1])
        >>> dist.batch_shards, dist.device_mesh.axis_names
        (1, ['batch'])
    """

    def __init__(self, device_mesh: DeviceMesh | None = None,
                 devices: Sequence[Any] | None = None, **kwargs: Any):
        kwargs.pop("auto_shard_dataset", None)
        if kwargs:
            raise TypeError(f"DataParallel got unexpected argument(s) {sorted(kwargs)}; "
                            "valid ones are device_mesh and devices.")
        if device_mesh is None:
            devices = list(jax.devices() if devices is None else devices)
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        elif len(device_mesh.shape) != 1:
            raise ValueError(f"DataParallel takes a 1-D mesh, but received one of shape "
                             f"{device_mesh.shape}. Use ModelParallel for a 2-D mesh.")
        super().__init__(device_mesh)


class LayoutMap(MutableMapping):
    """Weight paths (regular expressions) to layouts, as `keras.distribution.LayoutMap`.

    A weight's path (`"dense/kernel"`) takes the layout of the key equal to it, else of
    the one key whose regular expression it contains (`re.search`); weights no key
    matches are replicated.

    Args:
        device_mesh: the mesh every layout in the map refers to.

    Example:
        >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=list_devices()[:1])
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map["dense.*kernel"] = (None, "model")
        >>> layout_map["dense_1/kernel"].axes
        (None, 'model')
    """

    def __init__(self, device_mesh: DeviceMesh):
        self.device_mesh = device_mesh
        self._layouts: dict[str, TensorLayout] = {}

    def __getitem__(self, key: str) -> TensorLayout | None:
        if key in self._layouts:
            return self._layouts[key]
        matches = [k for k in self._layouts if re.search(k, key)]
        if len(matches) > 1:
            raise ValueError(f"The weight path {key!r} matches several layout keys "
                             f"{matches}. Make the keys more specific so that one matches.")
        return self._layouts[matches[0]] if matches else None

    def __setitem__(self, key: str, layout: Any) -> None:
        if key in self._layouts:
            raise ValueError(f"The layout key {key!r} is already in the map; delete it "
                             "first to replace it.")
        if not isinstance(layout, TensorLayout):
            if not isinstance(layout, (tuple, list)):
                raise ValueError(f"A layout must be a TensorLayout or a tuple of mesh axis "
                                 f"names, but received {layout!r} for {key!r}.")
            layout = TensorLayout(layout)
        layout.device_mesh = self.device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key: str) -> None:
        del self._layouts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layouts)

    def __len__(self) -> int:
        return len(self._layouts)


class ModelParallel(Distribution):
    """Model parallelism, as `keras.distribution.ModelParallel`: weights laid out by a
    `LayoutMap` (large Dense kernels split over a "model" axis), batches split over
    the batch axis.

    Args:
        layout_map: the `LayoutMap`; its mesh is the distribution's.
        batch_dim_name: the mesh axis batches are split over (the first by default).

    Example:
        >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=list_devices()[:1])
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map["dense.*kernel"] = (None, "model")
        >>> ModelParallel(layout_map=layout_map).batch_dim_name
        'batch'
    """

    def __init__(self, *args: Any, layout_map: LayoutMap | None = None,
                 batch_dim_name: str | None = None, **kwargs: Any):
        if args and isinstance(args[0], DeviceMesh):  # Keras 3.0's (device_mesh, layout_map)
            kwargs.setdefault("device_mesh", args[0])
            args = args[1:]
        if args and layout_map is None:
            layout_map, args = args[0], args[1:]
        if args:
            raise TypeError("ModelParallel takes layout_map=... and batch_dim_name=... as "
                            "keyword arguments.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(f"ModelParallel needs layout_map=LayoutMap(mesh), but received "
                             f"{layout_map!r}.")
        mesh = kwargs.pop("device_mesh", None) or layout_map.device_mesh
        if kwargs:
            raise TypeError(f"ModelParallel got unexpected argument(s) {sorted(kwargs)}.")
        super().__init__(mesh, batch_dim_name)
        self._layout_map = layout_map

    def variable_sharding(self, path: str, shape: tuple) -> NamedSharding:
        layout = self._layout_map[path]
        if layout is None:
            return super().variable_sharding(path, shape)
        return layout.sharding(shape, path)

    def layout_keys(self) -> list[str]:
        return list(self._layout_map)


def set_distribution(value: Distribution | None) -> None:
    """Use `value` for the models created from now on (None: one device), as
    `keras.distribution.set_distribution`. Set it before creating the model: its
    weights are placed when they are made.

    Example:
        >>> set_distribution(DataParallel(devices=list_devices()[:1]))
        >>> distribution().batch_shards
        1
        >>> set_distribution(None)
    """
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(f"set_distribution takes a DataParallel or ModelParallel (or None), "
                        f"but received {value!r}.")
    _distribution.set_current(value)


def distribution() -> Distribution | None:
    """The distribution set now, or None."""
    return _distribution.current()
