"""Devices, meshes and tensor layouts, as Keras 3's `keras.distribution` on
`jax.sharding`, and `initialize` for several processes on `jax.distributed`."""
from __future__ import annotations

import os
from typing import Any, Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices of all processes, as `"platform:id"` strings (Keras 3).

    Args:
        device_type: `"cpu"`, `"gpu"` or `"tpu"`; by default the default backend's.

    Example:
        >>> list_devices("cpu")[0]
        'cpu:0'
    """
    devices = jax.devices(device_type.lower() if device_type else None)
    return [f"{d.platform}:{d.id}" for d in devices]


def _device(spec: Any) -> Any:
    """A JAX device from a device or a `"platform:id"` string."""
    if not isinstance(spec, str):
        return spec
    platform, _, index = spec.partition(":")
    found = [d for d in jax.devices(platform.lower() or None) if str(d.id) == index]
    if not found:
        raise ValueError(f"No device {spec!r}. The devices are {list_devices()}.")
    return found[0]


class DeviceMesh:
    """A grid of devices with named axes, as `keras.distribution.DeviceMesh`.

    Args:
        shape: the grid's shape, e.g. `(2, 4)`.
        axis_names: one name per axis, e.g. `["batch", "model"]`.
        devices: the devices (JAX devices or `"cpu:0"` strings), as many as the grid
            holds; all devices by default.

    Example:
        >>> mesh = DeviceMesh((1,), ["batch"], devices=list_devices()[:1])
        >>> mesh.shape, mesh.axis_names
        ((1,), ['batch'])
    """

    def __init__(self, shape: Sequence[int], axis_names: Sequence[str],
                 devices: Sequence[Any] | None = None):
        shape = tuple(int(d) for d in shape)
        axis_names = [str(a) for a in axis_names]
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh has shape {shape} ({len(shape)} axes) but "
                             f"{len(axis_names)} axis names {axis_names}; give one name "
                             "per axis.")
        devices = list(jax.devices() if devices is None else devices)
        if int(np.prod(shape)) != len(devices):
            raise ValueError(f"DeviceMesh of shape {shape} holds {int(np.prod(shape))} "
                             f"devices, but received {len(devices)}. Pass a shape whose "
                             f"product is {len(devices)}, or that many devices.")
        self.shape, self.axis_names = shape, axis_names
        self.devices = np.array([_device(d) for d in devices], dtype=object).reshape(shape)
        self.jax_mesh = Mesh(self.devices, tuple(axis_names))

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How one tensor is laid out on a mesh, as `keras.distribution.TensorLayout`:
    one mesh axis name (or None: not split) per tensor axis.

    Args:
        axes: e.g. `(None, "model")` splits a Dense kernel's columns over "model".
        device_mesh: the mesh; a `LayoutMap` sets its own.

    Example:
        >>> TensorLayout((None, "model")).axes
        (None, 'model')
    """

    def __init__(self, axes: Sequence[str | None], device_mesh: DeviceMesh | None = None):
        self.axes = tuple(axes)
        self.device_mesh = device_mesh

    def sharding(self, shape: tuple, path: str = "tensor") -> NamedSharding:
        """The `jax.sharding.NamedSharding` of a tensor of `shape` under this layout."""
        mesh = self.device_mesh
        if mesh is None:
            raise ValueError(f"TensorLayout {self.axes} has no device mesh. Create it with "
                             "device_mesh=..., or put it in a LayoutMap.")
        if len(self.axes) != len(shape):
            raise ValueError(f"The layout {self.axes} of '{path}' names {len(self.axes)} "
                             f"axes, but the tensor has shape {shape}. Give one mesh axis "
                             "(or None) per tensor axis.")
        for axis, size in zip(self.axes, shape):
            if axis is None:
                continue
            if axis not in mesh.axis_names:
                raise ValueError(f"The layout of '{path}' names the mesh axis {axis!r}, but "
                                 f"the mesh's axes are {mesh.axis_names}.")
            parts = mesh.shape[mesh.axis_names.index(axis)]
            if size % parts:
                raise ValueError(f"'{path}' has shape {shape}; its axis of size {size} cannot "
                                 f"be split evenly over the {parts} devices of mesh axis "
                                 f"{axis!r}. Change the layout or the layer's size.")
        return NamedSharding(mesh.jax_mesh, PartitionSpec(*self.axes))

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self.axes}>"


def initialize(job_addresses: str | None = None, num_processes: int | None = None,
               process_id: int | None = None) -> None:
    """Join this process to a job of several processes (hosts), as Keras 3's
    `keras.distribution.initialize`, on `jax.distributed.initialize`.

    Call it first in every process, before anything else uses JAX. Afterwards
    `list_devices()` lists the devices of all processes.

    Args:
        job_addresses: comma-separated `host:port` addresses; the first is the
            coordinator (process 0). Default: `KERAS_DISTRIBUTION_JOB_ADDRESSES`.
        num_processes: the number of processes. Default:
            `KERAS_DISTRIBUTION_NUM_PROCESSES`.
        process_id: this process's index, 0 on the coordinator. Default:
            `KERAS_DISTRIBUTION_PROCESS_ID`.

    On a cluster JAX detects all three (SLURM, Cloud TPU, Kubernetes with
    `jax.distributed`'s cluster plugins): call `initialize()` without arguments.
    """
    env = os.environ
    job_addresses = job_addresses or env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and "KERAS_DISTRIBUTION_NUM_PROCESSES" in env:
        num_processes = int(env["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "KERAS_DISTRIBUTION_PROCESS_ID" in env:
        process_id = int(env["KERAS_DISTRIBUTION_PROCESS_ID"])
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    try:  # collectives across processes on CPU devices go through gloo
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    except (AttributeError, ValueError):
        pass
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)
