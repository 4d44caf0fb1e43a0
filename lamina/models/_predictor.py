"""`predict` and `predict_on_batch`: outputs for inputs, batch by batch, compiled."""
from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from lamina import data as data_mod
from lamina.callbacks import CallbackList
from lamina.models import _distributed
from lamina.models._fast_inputs import fast_inputs, learn_for
from lamina.models._host_inputs import encode_inputs, encode_stream
from lamina.models._programs import PredictPrograms, predict_programs
from lamina.models._host_checks import check_host_inputs
from lamina.models._inputs import check_batch_size
from lamina.models._progress import resolve_verbose
from lamina.models._stateful import has_stateful_layers, predict_stateful
from lamina.backend.variable import CREATED, unique_paths
from lamina.layers._layer_weights import TRAINABLE_CHANGES
from lamina.utils.progbar import Progbar


class Predictor:
    """The prediction methods of `Model` (a mixin; see `Model`)."""

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None, max_queue_size: int = 10,
                workers: int = 1, use_multiprocessing: bool = False, **kwargs: Any) -> Any:
        """Outputs for the inputs `x` as NumPy arrays, computed batch by batch.

        The number of batches is rounded up to one of a few sizes (at most 25% more,
        padded with zeros that are dropped from the result on the host), so that data
        of any length reuses a handful of compiled programs.
        """
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword argument(s) {sorted(kwargs)}.")
        batch_size = check_batch_size(batch_size, "batch_size")
        verbose = resolve_verbose(verbose)
        cbs = CallbackList(callbacks, model=self, verbose=verbose, epochs=1, steps=steps)
        bar = Progbar(None, verbose=verbose) if verbose else None  # its clock starts now
        cbs.on_predict_begin()
        if data_mod.is_stream(x):
            stream = data_mod.BatchStream(encode_stream(self, x), steps)
            outs = [self._predict_batch(self._host_x(batch.x, encode=False))
                    for batch in stream]
            result = jax.tree.map(lambda *a: np.concatenate(a), *outs)
            num_batches = len(outs)
        else:
            result, num_batches = self._predict_arrays(x, batch_size, steps)
        if bar is not None:
            bar.target = num_batches
            bar.update(num_batches, finalize=True)
        cbs.on_predict_end()
        return result

    def _host_x(self, x: Any, encode: bool = True) -> Any:
        # Inputs that feed host layers (TextVectorization) are encoded first.
        x = data_mod.adapt_x(encode_inputs(self, x) if encode else x)
        self._check_single_sample(x)
        x = data_mod.expand_1d(data_mod.Arrays(x)).x
        if not self.built:
            self.build_from_data(x)
        else:
            check_host_inputs(self, x)
        return x

    def _predict_arrays(self, x: Any, batch_size: int, steps: int | None) -> tuple[Any, int]:
        _distributed.check_batch_size(batch_size)
        x = self._adapted(x)
        n = data_mod.num_rows(x)
        if steps is not None:
            n = min(n, steps * batch_size)
            x = jax.tree.map(lambda a: a[:n], x)
        if has_stateful_layers(self):  # states go from batch to batch (see _stateful)
            return predict_stateful(self, x, batch_size), math.ceil(n / batch_size)
        # Fewer rows than a batch run as one batch of the next power of two: one row
        # (a decoding loop) pays for one row, and few programs are compiled.
        batch_size = min(batch_size, 1 << max(n - 1, 0).bit_length())
        num_batches = max(1, math.ceil(n / batch_size))
        if num_batches == 1:  # a few rows (an agent acting): one batch, as predict_on_batch
            return self._predict_batch(x), 1
        bucket = _bucket(num_batches)
        missing = bucket * batch_size - n
        padded = x if not missing else jax.tree.map(
            lambda a: np.concatenate([a, np.zeros((missing,) + a.shape[1:], a.dtype)]), x)
        out = self._inference_programs().predict(self._params(), padded, bucket, batch_size)
        # Cut on the host: a device slice would compile a program per length. Copied, so
        # the result is writable as Keras's is (`targets = model.predict(s); targets[i] = r`).
        return jax.tree.map(lambda a: np.array(np.asarray(a)[:n]), out), num_batches

    def _inference_programs(self) -> Any:
        """The compiled programs when compiled; else predict-only ones (cached)."""
        if self._compile_config is not None:
            return self._get_programs()
        # The weight lists are walked again only when they may have changed: a
        # Variable made, a `trainable` flag set, an attribute added (Sequential.add
        # and pop drop the cache).
        stamp = (CREATED[0], TRAINABLE_CHANGES[0], len(self.__dict__))
        cached = self.__dict__.get("_predict_only")
        if cached is not None and cached[4] == stamp:
            return cached[2]
        tv, ntv = self.trainable_weights, self.non_trainable_weights
        if cached is not None and cached[0] == tv and cached[1] == ntv:
            self._predict_only = cached[:4] + (stamp,)
            return cached[2]
        keys = unique_paths(tv + ntv)
        forward = self._forward_fn(tv, ntv, keys[:len(tv)], keys[len(tv):])
        dist = _distributed.current()
        if dist is not None:
            _distributed.check_model(self, tv + ntv, keys, dist)
            forward = _distributed.sharded_forward(forward, dist)
        programs: PredictPrograms = predict_programs(forward)
        self._predict_only = (tv, ntv, programs, keys, stamp)
        return programs

    def _predict_params(self) -> tuple:
        self._inference_programs()
        tv, ntv, _, keys, _ = self._predict_only
        return ({k: v.value for k, v in zip(keys, tv)},
                {k: v.value for k, v in zip(keys[len(tv):], ntv)})

    def _check_single_sample(self, x: Any) -> None:
        """A 1-D x given to a model that takes several features is one sample without
        its batch axis (`model.predict(X[0])`): say so, rather than reading it as a
        column of single-feature rows."""
        if not (isinstance(x, np.ndarray) and x.ndim == 1 and self.built):
            return
        try:
            shape = self.input_shape
        except (AttributeError, ValueError):
            return
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] not in (None, 1) \
                and shape[1] == x.shape[0]:
            raise ValueError(
                f"predict() received x of shape {x.shape}: one sample without its batch "
                f"axis, but the model takes batches of shape {shape}. Pass X[i:i + 1] "
                "instead of X[i], or x.reshape(1, -1).")

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch, as (writable) NumPy arrays.

        The rows are padded with zeros to one of a few sizes (at most 25% more,
        dropped from the result on the host), so that batches of any size reuse a
        handful of compiled programs. After the first call with given input dtypes
        and shapes, a call checks only the shapes (see `_fast_inputs`).

        Example:
            >>> import numpy as np, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((3,)),
            ...                           keras.layers.Dense(2, kernel_initializer="ones")])
            >>> model.predict_on_batch(np.ones((1, 3))).tolist()
            [[3.0, 3.0]]
        """
        return self._predict_batch(self._adapted(x))

    def _adapted(self, x: Any) -> Any:
        """`x` as the programs take it: cast after the first call of its signature,
        unless host layers (TextVectorization, lookups) encode it."""
        # A list of arrays (a model of several inputs, e.g. a decoder given its token
        # and states) is looked up array by array, as one array is.
        several = type(x) is list
        fast = fast_inputs(self).lookup("predict_list" if several else "predict",
                                        tuple(x) if several else (x,))
        if fast is not None:
            return list(fast) if several else fast[0]
        encoded = encode_inputs(self, x)
        host = self._host_x(encoded, encode=False)
        if encoded is x and not several:
            learn_for(self, "predict", (x,), (host,))
        elif encoded is x and type(host) is list and len(host) == len(x):
            learn_for(self, "predict_list", tuple(x), tuple(host))
        return host

    def _predict_batch(self, x: Any) -> Any:
        """Outputs for one batch of adapted host arrays, padded to a bucket of rows
        (a model with stateful layers: exactly, carrying the states on)."""
        if has_stateful_layers(self):  # the states go on from the last call
            return predict_stateful(self, x, data_mod.num_rows(x))
        if type(x) is np.ndarray:
            n = x.shape[0]
            size = _bucket(n)
            if size != n:
                x = np.concatenate([x, np.zeros((size - n,) + x.shape[1:], x.dtype)])
        else:
            n = data_mod.num_rows(x)
            size = _bucket(n)
            if size != n:
                x = jax.tree.map(lambda a: np.concatenate(
                    [a, np.zeros((size - n,) + a.shape[1:], a.dtype)]), x)
        out = self._inference_programs().predict_step(self._params(), x)
        if isinstance(out, jax.Array):  # one output: no tree walk
            return np.array(np.asarray(out)[:n]) if size != n else np.array(out)
        return jax.tree.map(lambda a: np.array(np.asarray(a)[:n]), out)


def _bucket(num_batches: int) -> int:
    """Round a batch count up to 3 significant bits (at most 25% more).

    Example:
        >>> [_bucket(n) for n in (1, 7, 9, 100, 1000)]
        [1, 7, 10, 112, 1024]
    """
    shift = max(num_batches.bit_length() - 3, 0)
    return -(-num_batches >> shift) << shift
